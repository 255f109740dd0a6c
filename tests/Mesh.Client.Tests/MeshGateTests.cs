using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Client.Tests;

public sealed class MeshGateTests : IAsyncLifetime
{
    // The real embedded silo over real TCP: the SDK connects to it exactly as a runtime does.
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private MeshGateOptions OptionsForCluster() => _mesh.GateOptions();

    private Scenario NewScenario() => new(_mesh.Operator, _mesh.Operator);

    [Fact]
    public async Task A_gate_gets_decisions_waits_for_approvals_and_reports_outcomes()
    {
        var scenario = NewScenario();
        await scenario.PublishAsync(TestPolicies.Of("""
              - id: read
                effect: allow
                match: { tools: [files] }
              - id: deploy
                effect: require_approval
                match: { tools: [deploy] }
                approval: { groups: [sre] }
            """));
        var agent = await scenario.RegisterAsync("bot");
        await using var gate = MeshGate.Create(OptionsForCluster());
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));

        var allowed = await gate.CheckAsync(agent.Request("files", "read", "/etc/hosts"));
        var receipt = await gate.ReportOutcomeAsync(new OutcomeReport { AgentId = agent.AgentId, AgentToken = agent.Token, RequestId = allowed.RequestId, Success = true, Changes = "read 1 file" });
        var request = agent.Request("deploy", "run", "prod");
        var needsApproval = await gate.CheckAsync(request);
        var waiting = gate.WaitForApprovalAsync(agent.AgentId, agent.Token, needsApproval.ApprovalId!, TimeSpan.FromSeconds(20));
        await _mesh.Operator.GetGrain<IApprovalGrain>(needsApproval.ApprovalId!).Vote(new ApprovalVote { ApproverId = "sam", ApproverGroups = ["sre"], Approve = true });
        var approval = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        var proceed = await gate.CheckAsync(request with { ApprovalId = needsApproval.ApprovalId });

        Assert.Equal(Effect.Allow, allowed.Effect);
        Assert.True(receipt.Accepted);
        Assert.Equal(Effect.RequireApproval, needsApproval.Effect);
        Assert.Equal(ApprovalStatus.Granted, approval.Status);
        Assert.Equal(Effect.Allow, proceed.Effect);
    }

    [Fact]
    public async Task With_no_silo_reachable_every_call_fails_closed_within_the_timeout()
    {
        var options = new MeshGateOptions { DecisionTimeout = TimeSpan.FromMilliseconds(300), ReconnectDelay = TimeSpan.FromMilliseconds(100) };
        options.Gateways.Clear();
        options.Gateways.Add($"127.0.0.1:{FreePorts.Take(1)[0]}");
        await using var gate = MeshGate.Create(options);

        var decision = await gate.CheckAsync(new ActionRequest { RequestId = "r1", AgentId = "acme/bot", AgentToken = "t", Tool = "shell", Operation = "exec" }).WaitAsync(TimeSpan.FromSeconds(30));
        var wait = await gate.WaitForApprovalAsync("acme/bot", "t", "acme/apr-1", TimeSpan.FromMilliseconds(200)).WaitAsync(TimeSpan.FromSeconds(30));
        var receipt = await gate.ReportOutcomeAsync(new OutcomeReport { AgentId = "acme/bot", AgentToken = "t", RequestId = "r1", Success = true }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(ReasonCode.MeshUnavailable, decision.Reason);
        Assert.Equal("r1", decision.RequestId);
        Assert.Equal(ApprovalStatus.Unknown, wait.Status);
        Assert.NotNull(wait.Error);
        Assert.False(receipt.Accepted);
    }

    [Fact]
    public async Task When_the_mesh_goes_away_decisions_fail_closed()
    {
        var scenario = NewScenario();
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        var options = OptionsForCluster();
        options.DecisionTimeout = TimeSpan.FromSeconds(2);
        await using var gate = MeshGate.Create(options);
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Effect.Allow, (await gate.CheckAsync(agent.Request("shell", "exec", "ls"))).Effect);

        await _mesh.StopAsync();
        var decision = await gate.CheckAsync(agent.Request("shell", "exec", "ls")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ReasonCode.MeshUnavailable, decision.Reason);
    }

    [Fact]
    public async Task A_cancelled_caller_gets_a_cancellation_not_a_decision()
    {
        var options = new MeshGateOptions { DecisionTimeout = TimeSpan.FromSeconds(30) };
        options.Gateways.Clear();
        options.Gateways.Add($"127.0.0.1:{FreePorts.Take(1)[0]}");
        await using var gate = MeshGate.Create(options);
        using var cancel = new CancellationTokenSource();

        var pending = gate.CheckAsync(new ActionRequest { RequestId = "r", AgentId = "acme/bot", AgentToken = "t", Tool = "x", Operation = "y" }, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task AddMeshClient_registers_a_gate_that_connects_with_the_application()
    {
        var options = OptionsForCluster();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshClient(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
            o.Gateways.Clear();
            foreach (var gateway in options.Gateways)
            {
                o.Gateways.Add(gateway);
            }
        });
        using var host = builder.Build();
        await host.StartAsync();

        var gate = (MeshGate)host.Services.GetRequiredService<IMeshGate>();
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));
        var decision = await gate.CheckAsync(new ActionRequest { RequestId = "r", AgentId = Ids.Tenant() + "/nobody", AgentToken = "t", Tool = "x", Operation = "y" });

        Assert.Equal(ReasonCode.UnknownAgent, decision.Reason);
        await host.StopAsync();
    }

    [Fact]
    public void Bad_options_are_refused_with_a_clear_message()
    {
        var badGateway = new MeshGateOptions();
        badGateway.Gateways.Add("not an endpoint");

        Assert.Contains("not an endpoint", Assert.Throws<ArgumentException>(() => MeshGate.Create(badGateway)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MeshGate.Create(new MeshGateOptions { DecisionTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => MeshGate.Create(new MeshGateOptions { ReconnectDelay = TimeSpan.FromSeconds(-1) }));
    }
}
