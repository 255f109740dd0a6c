using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Fleet;
using Mesh.Testing;

namespace Mesh.Grains.Tests.ControlPlane;

/// <summary>A three-silo cluster of its own: these tests stop the whole fleet.</summary>
public sealed class ThreeSiloCluster : IAsyncLifetime
{
    public MeshCluster Mesh { get; } = MeshCluster.WithSilos(3);

    public Task InitializeAsync() => Mesh.InitializeAsync();

    public Task DisposeAsync() => Mesh.DisposeAsync();
}

/// <summary>
/// The promise of docs/GUARANTEES.md: when a fleet-wide change returns, no decision that starts afterwards, on any
/// silo, allows what the change forbids. Each test runs decisions on every silo while the change is made and checks
/// every decision sent after the change returned.
/// </summary>
public sealed class FleetWideChangeTests(ThreeSiloCluster cluster) : IClassFixture<ThreeSiloCluster>
{
    private readonly MeshCluster _mesh = cluster.Mesh;

    [Fact]
    public async Task No_decision_on_any_silo_allows_a_credential_after_its_revoke_returns()
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("shared");
        var agents = await RegisterSpreadAsync(scenario, 2000, Registrations.With(credentials: [scenario.Id("shared")]));

        var storm = await DecisionStorm.RunAsync(
            agents,
            agent => agent.Request("git", "push", "github.com/acme/app", scenario.Id("shared")),
            () => _mesh.OperatorOn(1).GetGrain<Contracts.Credentials.ICredentialGrain>(scenario.Id("shared")).Revoke("leaked"));

        await AssertHeldEverywhereAsync(storm, ReasonCode.CredentialRevoked);
        AssertComplete(storm.Change.Receipt);
    }

    [Fact]
    public async Task No_decision_allows_a_paused_agent_after_the_pause_returns()
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agents = await RegisterSpreadAsync(scenario, 3, new AgentRegistration());

        var storm = await DecisionStorm.RunAsync(
            agents,
            agent => agent.Request("shell", "exec", "ls"),
            async () => await Task.WhenAll(agents.Select(a => _mesh.OperatorOn(2).GetGrain<IAgentGrain>(a.AgentId).Pause("investigating"))));

        await AssertHeldEverywhereAsync(storm, ReasonCode.AgentPaused);
        Assert.All(storm.Change, info => AssertComplete(info.Receipt));
    }

    [Fact]
    public async Task No_decision_allows_an_agent_of_a_paused_tenant_after_the_pause_returns()
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agents = await RegisterSpreadAsync(scenario, 300, new AgentRegistration());

        var storm = await DecisionStorm.RunAsync(agents, agent => agent.Request("shell", "exec", "ls"), () => scenario.TenantGrain.Pause("incident"));

        await AssertHeldEverywhereAsync(storm, ReasonCode.TenantPaused);
        AssertComplete(storm.Change.Receipt);
    }

    [Fact]
    public async Task No_decision_allows_anything_after_the_emergency_stop_returns()
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agents = await RegisterSpreadAsync(scenario, 300, new AgentRegistration());
        var fleet = _mesh.OperatorOn(1).GetGrain<IFleetGrain>(IFleetGrain.Key);

        try
        {
            var storm = await DecisionStorm.RunAsync(agents, agent => agent.Request("shell", "exec", "ls"), () => fleet.EngageEmergencyStop("drill"));

            await AssertHeldEverywhereAsync(storm, ReasonCode.EmergencyStop);
            AssertComplete(storm.Change.Receipt);
        }
        finally
        {
            await fleet.ReleaseEmergencyStop(null);
        }
    }

    [Fact]
    public async Task No_decision_is_allowed_by_the_old_policy_after_an_activation_that_denies_returns()
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agents = await RegisterSpreadAsync(scenario, 300, new AgentRegistration());
        const string denyShell = """
            apiVersion: mesh/v1
            kind: Policy
            rules:
              - id: no-shell
                effect: deny
                match: { tools: [shell] }
            """;

        var storm = await DecisionStorm.RunAsync(agents, agent => agent.Request("shell", "exec", "ls"), () => scenario.PublishAsync(denyShell));

        await AssertHeldEverywhereAsync(storm, ReasonCode.Policy);
        AssertComplete(storm.Change.Receipt);
        Assert.All(storm.After.Where(o => o.Decision is not null), o => Assert.Equal(storm.Change.Version, o.Decision!.PolicyVersion));
    }

    [Fact]
    public async Task Every_change_gets_a_higher_epoch_and_a_receipt_from_every_live_silo()
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        var first = await scenario.PublishAsync(TestPolicies.AllowAll);
        var credential = await scenario.IssueCredentialAsync("c");
        var suspended = await scenario.Credential("c").Suspend("rotation");
        var again = await scenario.Credential("c").Suspend("rotation");

        AssertComplete(first.Receipt);
        AssertComplete(credential.Receipt);
        AssertComplete(suspended.Receipt);
        Assert.True(credential.Receipt!.Epoch > first.Receipt!.Epoch);
        Assert.True(suspended.Receipt!.Epoch > credential.Receipt.Epoch);
        // A repeated call changes nothing: same epoch, confirmed again by every silo.
        Assert.Equal(suspended.Receipt.Epoch, again.Receipt!.Epoch);
        AssertComplete(again.Receipt);
    }

    // Agent i is activated on silo i mod 3 by its registration (a placement hint), so every silo decides for a third.
    private async Task<IReadOnlyList<TestAgent>> RegisterSpreadAsync(Scenario scenario, int count, AgentRegistration registration)
    {
        var agents = new TestAgent[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            agents[i] = await _mesh.OnSiloAsync(i, () => scenario.RegisterAsync($"agent-{i}", registration)));
        return agents;
    }

    // Nothing sent after the change returned was allowed, every such decision was denied for the change's reason, and
    // decisions were sent after it on every silo (so the test could have seen a silo that did not obey).
    private async Task AssertHeldEverywhereAsync<T>(DecisionStorm.Result<T> storm, ReasonCode expected)
    {
        Assert.Contains(storm.Observations, o => o.StartedAt < storm.ReturnedAt && o.Decision?.Effect == Effect.Allow);
        Assert.Empty(storm.AllowsAfter);
        var after = storm.After.Where(o => o.Decision is not null).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, o => Assert.Equal(expected, o.Decision!.Reason));

        var silos = new HashSet<SiloAddress>();
        foreach (var agent in after.Select(o => o.Agent).Distinct())
        {
            if (await _mesh.SiloOfAsync(agent.Runtime) is { } silo)
            {
                silos.Add(silo);
            }
        }

        Assert.Equal(_mesh.Cluster.Silos.Count, silos.Count);
    }

    private void AssertComplete(FleetReceipt? receipt)
    {
        Assert.NotNull(receipt);
        Assert.True(receipt.Epoch > 0);
        Assert.Equal(_mesh.Cluster.Silos.Count, receipt.SilosLive);
        Assert.Equal(receipt.SilosLive, receipt.SilosAcknowledged);
        Assert.Empty(receipt.Unconfirmed);
        Assert.True(receipt.Complete);
    }
}
