using System.Collections.Immutable;
using System.Text;
using Mesh.Contracts.Decisions;
using Mesh.Grains.Audit;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Audit;

/// <summary>
/// Secrets the policy does not name are still kept only as hashes: by a name that reads as a credential in any
/// spelling, or by a value shaped like one, in attributes, evidence and kept arguments at any depth.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SecretRedactionTests(MeshCluster mesh)
{
    [Fact]
    public async Task Credential_names_in_any_spelling_and_credential_shaped_values_never_reach_the_store()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync("""
            apiVersion: mesh/v1
            kind: Policy
            audit:
              arguments: keep
            rules:
              - id: pay
                effect: allow
                match:
                  tools: [payments]
            """);
        var agent = await scenario.RegisterAsync("bot");
        // By name: spellings the old list missed.
        const string XAuth = "xauth-value-1", BearerField = "bearer-value-2", Credentials = "credentials-value-3", UserPwd = "pwd-value-4";
        const string Session = "session-value-5", ClientSecret = "clientsecret-value-6", Cookie = "cookie-value-7";
        // By value, under harmless names.
        const string BearerValue = "Bearer abcdefghijklmnopqrstuvwx", OpenAiKey = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX", AwsKey = "AKIAIOSFODNN7EXAMPLE";
        const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PSR5L6T1a0bc";
        const string PemHeader = "-----BEGIN RSA PRIVATE KEY-----", MeshToken = "mesh_ot_0123456789ab.secretpart";
        string[] secrets = [XAuth, BearerField, Credentials, UserPwd, Session, ClientSecret, Cookie, BearerValue, OpenAiKey, AwsKey, Jwt, PemHeader, MeshToken];
        var request = agent.Request("payments", "transfer", "acct-1") with
        {
            Attributes = ImmutableDictionary<string, string>.Empty
                .Add("X-Auth", XAuth).Add("bearer", BearerField).Add("credentials", Credentials).Add("userPwd", UserPwd)
                .Add("amount", "950").Add("note", BearerValue),
            Evidence = ImmutableDictionary<string, string>.Empty.Add("Set-Cookie", Cookie).Add("ticket", "INC-42"),
            Arguments = $$"""
                {"amount": 950, "session": "{{Session}}", "client.secret": "{{ClientSecret}}",
                 "deep": [{"key": "{{OpenAiKey}}"}, "{{AwsKey}}", {"v": "{{Jwt}}"}],
                 "pem": "{{PemHeader}}\nMIIEow\n-----END RSA PRIVATE KEY-----", "header": "Authorization: {{MeshToken}}", "memo": "plain"}
                """,
        };

        var decision = await agent.DecideAsync(request);

        Assert.Equal(Effect.Allow, decision.Effect);
        var everything = new StringBuilder();
        await foreach (var row in mesh.AuditStore.ReadChainsAsync(agent.AgentId, CancellationToken.None))
        {
            everything.Append(Encoding.UTF8.GetString(row.Body)).Append('\n');
        }

        var stored = everything.ToString();
        Assert.Contains("\"amount\":950", stored, StringComparison.Ordinal);
        Assert.Contains("INC-42", stored, StringComparison.Ordinal);
        Assert.Contains("\"memo\":\"plain\"", stored, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }

        Assert.Contains(AuditText.HashSecret(XAuth), stored, StringComparison.Ordinal);
        Assert.Contains(AuditText.HashSecret(BearerValue), stored, StringComparison.Ordinal);
    }
}
