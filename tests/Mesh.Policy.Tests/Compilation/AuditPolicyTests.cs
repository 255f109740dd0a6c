using Mesh.Policy.Compilation;

namespace Mesh.Policy.Tests.Compilation;

public sealed class AuditPolicyTests
{
    [Theory]
    [InlineData("password")]
    [InlineData("Password")]
    [InlineData("db_password")]
    [InlineData("passwd")]
    [InlineData("pwd")]
    [InlineData("userPwd")]
    [InlineData("USER_PWD")]
    [InlineData("pass")]
    [InlineData("smtp.pass")]
    [InlineData("x-auth")]
    [InlineData("X-Auth")]
    [InlineData("xAuth")]
    [InlineData("x_auth_token")]
    [InlineData("auth")]
    [InlineData("Authorization")]
    [InlineData("proxy-authorization")]
    [InlineData("bearer")]
    [InlineData("credentials")]
    [InlineData("credential")]
    [InlineData("aws.credentials")]
    [InlineData("secret")]
    [InlineData("client_secret")]
    [InlineData("clientSecret")]
    [InlineData("client.secret")]
    [InlineData("token")]
    [InlineData("githubToken")]
    [InlineData("refresh-token")]
    [InlineData("api_key")]
    [InlineData("apiKey")]
    [InlineData("API-KEY")]
    [InlineData("x-api-key")]
    [InlineData("apikey")]
    [InlineData("private_key")]
    [InlineData("privateKey")]
    [InlineData("access-key")]
    [InlineData("AWS_ACCESS_KEY_ID")]
    [InlineData("cookie")]
    [InlineData("Set-Cookie")]
    [InlineData("session")]
    [InlineData("sessionId")]
    [InlineData("JSESSIONID")]
    [InlineData("signature")]
    [InlineData("X-Hub-Signature")]
    [InlineData("passphrase")]
    [InlineData("connection_string")]
    public void Names_that_read_as_credentials_are_secret(string name)
    {
        Assert.True(AuditPolicy.Default.IsSecret(name));
    }

    [Theory]
    [InlineData("amount")]
    [InlineData("author")]
    [InlineData("authors")]
    [InlineData("passenger")]
    [InlineData("compass")]
    [InlineData("keyboard")]
    [InlineData("key")]
    [InlineData("currency")]
    [InlineData("path")]
    [InlineData("description")]
    [InlineData("")]
    public void Ordinary_names_are_not(string name)
    {
        Assert.False(AuditPolicy.Default.IsSecret(name));
    }

    [Fact]
    public void Names_the_policy_lists_match_in_any_case_and_separator_spelling()
    {
        var policy = new AuditPolicy(true, ["iban_number"]);

        Assert.True(policy.IsSecret("iban_number"));
        Assert.True(policy.IsSecret("IBAN-Number"));
        Assert.True(policy.IsSecret("iban.number"));
        Assert.False(policy.IsSecret("iban"));
    }

    [Theory]
    [InlineData("Bearer abcdefghijklmnop")]
    [InlineData("Authorization: Bearer abc.def-ghi_jkl")]
    [InlineData("Basic dXNlcjpwYXNzd29yZA==")]
    [InlineData("sk-ABCDEFGHIJKLMNOPQRSTUV")]
    [InlineData("sk-proj-ABCDEFGHIJKLMNOPQRSTUV")]
    [InlineData("sk_live_ABCDEFGHIJKLMNOPQRSTUV")]
    [InlineData("AKIAIOSFODNN7EXAMPLE")]
    [InlineData("key id ASIAIOSFODNN7EXAMPLE here")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----")]
    [InlineData("-----BEGIN EC PRIVATE KEY-----")]
    [InlineData("ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123")]
    [InlineData("github_pat_ABCDEFGHIJKLMNOPQRSTUV_0123")]
    [InlineData("xoxb-1234567890-abcdefghij")]
    [InlineData("AIzaSyA-ABCDEFGHIJKLMNOPQRSTUVWXYZ012")]
    [InlineData("mesh_at_0123456789ab.secret")]
    [InlineData("mesh_ot_0123456789ab.secret")]
    [InlineData("https://host/cb?auth=mesh_at_0123456789ab.secret")]
    public void Values_shaped_like_credentials_are_secret_under_any_name(string value)
    {
        Assert.True(SecretValues.LooksSecret(value));
        Assert.True(AuditPolicy.Default.IsSecret("note", value));
    }

    [Theory]
    [InlineData("950")]
    [InlineData("DE89 3704 0044 0532 0130 00")]
    [InlineData("a basic understanding of the bearer of bad news")]
    [InlineData("sk-learn")]
    [InlineData("skip this task")]
    [InlineData("https://github.com/acme/app")]
    [InlineData("-----BEGIN PUBLIC KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----")]
    [InlineData("AKIA")]
    [InlineData(null)]
    public void Ordinary_values_are_not(string? value)
    {
        Assert.False(SecretValues.LooksSecret(value));
        Assert.False(AuditPolicy.Default.IsSecret("note", value));
    }

    [Fact]
    public void A_huge_value_is_judged_in_linear_time_without_failing()
    {
        var value = new string('a', 1_000_000) + "sk-";
        Assert.False(SecretValues.LooksSecret(value));
        Assert.True(SecretValues.LooksSecret("Bearer abcdefghijklmnop" + new string('a', 1_000_000)));
    }
}
