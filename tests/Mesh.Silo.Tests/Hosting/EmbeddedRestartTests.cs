using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Hosting;

public sealed class EmbeddedRestartTests
{
    [Fact]
    public async Task A_restart_keeps_agents_revocations_pauses_and_approvals()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            TestAgent revokedUser, pausedTenantAgent, pausedAgent, healthy, asker;
            string approvalId;
            await using (var first = await EmbeddedMesh.StartAsync(dataDir))
            {
                var revoked = new Scenario(first.Operator, first.Operator);
                await revoked.PublishAsync(TestPolicies.AllowAll);
                await revoked.IssueCredentialAsync("gh");
                revokedUser = await revoked.RegisterAsync("bot", Registrations.With(credentials: [revoked.Id("gh")]));
                healthy = await revoked.RegisterAsync("healthy");
                pausedAgent = await revoked.RegisterAsync("paused");
                Assert.Equal(Effect.Allow, (await revokedUser.DecideAsync("git", "push", "x", revoked.Id("gh"))).Effect);
                await revoked.Credential("gh").Revoke("leaked");
                await pausedAgent.Operator.Pause("suspicious");

                var paused = new Scenario(first.Operator, first.Operator);
                await paused.PublishAsync(TestPolicies.AllowAll);
                pausedTenantAgent = await paused.RegisterAsync("bot");
                await paused.TenantGrain.Pause("incident");

                var approvals = new Scenario(first.Operator, first.Operator);
                await approvals.PublishAsync(TestPolicies.Of("  - id: ask\n    effect: require_approval\n    approval: { groups: [ops] }\n"));
                asker = await approvals.RegisterAsync("bot");
                var decision = await asker.DecideAsync(asker.Request("deploy", "run", "prod") with { Arguments = "{\"version\":\"1.2.3\"}" });
                approvalId = decision.ApprovalId!;
            }

            await using var second = await EmbeddedMesh.StartAsync(dataDir);
            IAgentGrain Agent(TestAgent a) => second.Operator.GetGrain<IAgentGrain>(a.AgentId);

            var afterRevoke = await Agent(revokedUser).Decide(revokedUser.Request("git", "push", "x", revokedUser.AgentId.Split('/')[0] + "/gh"));
            var afterTenantPause = await Agent(pausedTenantAgent).Decide(pausedTenantAgent.Request("shell", "exec", "ls"));
            var afterAgentPause = await Agent(pausedAgent).Decide(pausedAgent.Request("shell", "exec", "ls"));
            var stillAllowed = await Agent(healthy).Decide(healthy.Request("shell", "exec", "ls"));
            var approval = await second.Operator.GetGrain<IApprovalGrain>(approvalId).Get();

            Assert.Equal(ReasonCode.CredentialRevoked, afterRevoke.Reason);
            Assert.Equal(ReasonCode.TenantPaused, afterTenantPause.Reason);
            Assert.Equal(ReasonCode.AgentPaused, afterAgentPause.Reason);
            Assert.Equal(Effect.Allow, stillAllowed.Effect);
            Assert.Equal(1, stillAllowed.PolicyVersion);
            Assert.Equal(ApprovalStatus.Pending, approval.Status);
            Assert.Equal("{\"version\":\"1.2.3\"}", approval.Subject!.Arguments);
            Assert.Equal(asker.AgentId, approval.Subject.AgentId);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
