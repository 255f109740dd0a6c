using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Grains.ControlPlane;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;

namespace Mesh.Grains.Tests.ControlPlane;

/// <summary>
/// Fleet-wide changes when silos die, join, or are cut off from the control plane. Each test builds its own cluster:
/// they kill and add silos.
/// </summary>
public sealed class SiloFailureTests
{
    [Fact]
    public async Task A_revoke_during_which_a_silo_is_killed_holds_on_every_surviving_silo()
    {
        await using var mesh = await StartAsync(MeshCluster.WithSilos(3, o => o.ControlPlaneLease = TimeSpan.FromSeconds(2)));
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);

        // The victim is the silo that hosts the control plane; the credential (the owner of the change) and a third of
        // the agents live there too, so the kill takes the commit's grain, the owner and the changed agents at once.
        var controlPlane = await mesh.SiloOfAsync(mesh.Operator.GetGrain<IControlPlaneGrain>(IControlPlaneGrain.Key));
        var victimIndex = mesh.Cluster.Silos.ToList().FindIndex(s => s.SiloAddress == controlPlane);
        Assert.True(victimIndex >= 0, "the control plane is active on a silo");
        var victim = mesh.Cluster.Silos[victimIndex];
        var operatorGrains = mesh.OperatorOn((victimIndex + 1) % mesh.Cluster.Silos.Count);
        await mesh.OnSiloAsync(victimIndex, () => scenario.IssueCredentialAsync("shared"));
        Assert.Equal(victim.SiloAddress, await mesh.SiloOfAsync(scenario.Credential("shared")));
        var agents = await RegisterAsync(mesh, scenario, 300, scenario.Id("shared"));
        var hosts = new Dictionary<TestAgent, SiloAddress?>();
        foreach (var agent in agents)
        {
            hosts[agent] = await mesh.SiloOfAsync(agent.Runtime);
        }

        Assert.All(mesh.Cluster.Silos, silo => Assert.Contains(silo.SiloAddress, hosts.Values));

        var storm = await DecisionStorm.RunAsync(
            agents,
            agent => agent.Request("git", "push", "github.com/acme/app", scenario.Id("shared")),
            async () =>
            {
                var revoking = operatorGrains.GetGrain<ICredentialGrain>(scenario.Id("shared")).Revoke("leaked");
                var killing = mesh.Cluster.KillSiloAsync(victim);
                // The owner died under the call, which then fails, and the operator retries it (a revoke is idempotent);
                // the guarantee is about the call that returns.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
                while (true)
                {
                    try
                    {
                        var revoked = await revoking;
                        await killing;
                        return revoked;
                    }
                    catch (Exception ex) when (ex is SiloUnavailableException or TimeoutException or OrleansException && DateTime.UtcNow < deadline)
                    {
                        revoking = operatorGrains.GetGrain<ICredentialGrain>(scenario.Id("shared")).Revoke("leaked");
                    }
                }
            },
            after: 400);

        Assert.Empty(storm.AllowsAfter);
        // Either membership had declared the victim dead (2 of 2), or it was still listed and is reported as unconfirmed
        // after its lease ran out: never a silent success.
        var receipt = storm.Change.Receipt!;
        Assert.Equal(receipt.SilosLive - receipt.Unconfirmed.Length, receipt.SilosAcknowledged);
        Assert.True(receipt.SilosAcknowledged >= 2);

        // On the surviving silos every decision sent after the return was answered, and denied for the revoke (or for
        // a stale view while the control plane moved off the dead silo): an error is not an answer.
        var survivorsAfter = storm.After.Where(o => hosts[o.Agent] != victim.SiloAddress).ToList();
        Assert.NotEmpty(survivorsAfter);
        Assert.All(survivorsAfter, o =>
        {
            Assert.NotNull(o.Decision);
            Assert.Equal(Effect.Deny, o.Decision.Effect);
            Assert.Contains(o.Decision.Reason, new[] { ReasonCode.CredentialRevoked, ReasonCode.ControlPlaneStale });
        });
        Assert.Equal(2, survivorsAfter.Select(o => hosts[o.Agent]).Distinct().Count());

        // The victim's agents come back on the survivors, from storage, and are denied there too, for the revoke.
        var moved = agents.Where(a => hosts[a] == victim.SiloAddress).Take(3).ToList();
        Assert.NotEmpty(moved);
        foreach (var agent in moved)
        {
            Decision? answer = null;
            await Poll.UntilAsync(
                async () =>
                {
                    try
                    {
                        answer = await agent.DecideAsync("git", "push", "github.com/acme/app", scenario.Id("shared")).WaitAsync(TimeSpan.FromSeconds(5));
                        return answer.Reason != ReasonCode.ControlPlaneStale;
                    }
                    catch (Exception ex) when (ex is TimeoutException or OrleansException or SiloUnavailableException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(90),
                $"agent {agent.AgentId} to answer again after its silo died");
            Assert.Equal(ReasonCode.CredentialRevoked, answer!.Reason);
            Assert.NotEqual(victim.SiloAddress, await operatorGrains.GetGrain<IManagementGrain>(0).GetActivationAddress(agent.Runtime));
        }
    }

    [Fact]
    public async Task A_silo_added_after_a_suspension_denies_from_its_first_decision()
    {
        await using var mesh = await StartAsync(MeshCluster.WithSilos(2));
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("shared");

        // A credential change made before the silo joins. (Suspended rather than revoked: a revoked credential can no
        // longer be granted, and the agents below are registered after the change, each a new activation.)
        await scenario.Credential("shared").Suspend("under review");
        var joined = await mesh.Cluster.StartAdditionalSiloAsync();

        // A new agent activated on the new silo (placement honours the hint once the other silos know of the new one).
        TestAgent? onNewSilo = null;
        var attempt = 0;
        await Poll.UntilAsync(
            async () =>
            {
                var name = $"late-{attempt++}";
                var agent = await mesh.OnSiloAsync(2, () => scenario.RegisterAsync(name, Registrations.With(credentials: [scenario.Id("shared")])));
                onNewSilo = agent;
                return await mesh.SiloOfAsync(agent.Runtime) == joined.SiloAddress;
            },
            TimeSpan.FromSeconds(30),
            "an agent to be placed on the new silo");

        var first = await onNewSilo!.DecideAsync("git", "push", "github.com/acme/app", scenario.Id("shared"));
        Assert.Equal(ReasonCode.CredentialSuspended, first.Reason);
        var view = joined.ServiceProvider.GetRequiredService<SiloControlView>();
        Assert.True(view.Epoch >= mesh.Cluster.Silos[0].ServiceProvider.GetRequiredService<SiloControlView>().Epoch);
    }

    [Fact]
    public async Task A_silo_that_cannot_confirm_its_view_within_its_lease_denies_until_it_can()
    {
        var leaseClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var cutOff = new ControlPlaneCutOff();
        await using var mesh = await StartAsync(MeshCluster.WithSilos(
            3,
            o =>
            {
                o.LeaseTimeProvider = leaseClock;
                o.ControlPlaneLease = TimeSpan.FromSeconds(5);
                o.ControlPlaneRenewInterval = TimeSpan.FromSeconds(1);
            },
            silo =>
            {
                silo.Services.AddSingleton(cutOff);
                silo.AddOutgoingGrainCallFilter<ControlPlaneCutOff.Filter>();
            }));
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("c");
        var agents = await RegisterAsync(mesh, scenario, 3, scenario.Id("c"));
        var (healthy, isolated) = (agents[0], agents[1]);
        Task<Decision> Use(TestAgent agent) => agent.DecideAsync("git", "push", "github.com/acme/app", scenario.Id("c"));
        Assert.Equal(Effect.Allow, (await Use(isolated)).Effect);

        // Silo 1 can no longer reach the control plane; the others can. Five seconds and a tick pass.
        cutOff.Isolate(mesh.Cluster.Silos[1].SiloAddress);
        var isolatedView = mesh.Cluster.Silos[1].ServiceProvider.GetRequiredService<SiloControlView>();
        leaseClock.Advance(TimeSpan.FromSeconds(5) + TimeSpan.FromTicks(1));

        Assert.False(isolatedView.IsCurrent());
        var stale = await Use(isolated);
        Assert.Equal(ReasonCode.ControlPlaneStale, stale.Reason);
        // The silos that renewed keep deciding normally.
        await Poll.UntilAsync(async () => (await Use(healthy)).Effect == Effect.Allow, TimeSpan.FromSeconds(30), "the healthy silo to renew its lease");

        // Reconnected: its next renewal brings it back.
        cutOff.Reconnect();
        leaseClock.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(async () => (await Use(isolated)).Effect == Effect.Allow, TimeSpan.FromSeconds(30), "the isolated silo to renew its lease");
    }

    [Fact]
    public async Task A_change_made_while_a_silo_is_cut_off_returns_only_once_its_lease_ran_out_and_that_silo_allows_nothing_after()
    {
        var lease = TimeSpan.FromSeconds(5);
        var renew = TimeSpan.FromSeconds(1);
        var leaseClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var cutOff = new ControlPlaneCutOff();
        await using var mesh = await StartAsync(MeshCluster.WithSilos(
            3,
            o =>
            {
                o.LeaseTimeProvider = leaseClock;
                o.ControlPlaneLease = lease;
                o.ControlPlaneRenewInterval = renew;
            },
            silo =>
            {
                silo.Services.AddSingleton(cutOff);
                silo.AddOutgoingGrainCallFilter<ControlPlaneCutOff.Filter>();
            }));
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        // The credential (the owner of the change) lives on silo 0, so silo 1 can learn of the revoke only by a push or
        // a renewal, and both are cut.
        await mesh.OnSiloAsync(0, () => scenario.IssueCredentialAsync("c"));
        Assert.Equal(mesh.Cluster.Silos[0].SiloAddress, await mesh.SiloOfAsync(scenario.Credential("c")));
        var agents = await RegisterAsync(mesh, scenario, 3, scenario.Id("c"));
        var isolated = agents[1];
        TestAgent[] healthy = [agents[0], agents[2]];
        Task<Decision> Use(TestAgent agent) => agent.DecideAsync("git", "push", "github.com/acme/app", scenario.Id("c"));
        for (var i = 0; i < agents.Count; i++)
        {
            Assert.Equal(Effect.Allow, (await Use(agents[i])).Effect);
            Assert.Equal(mesh.Cluster.Silos[i].SiloAddress, await mesh.SiloOfAsync(agents[i].Runtime));
        }

        var partitioned = mesh.Cluster.Silos[1];
        var isolatedView = partitioned.ServiceProvider.GetRequiredService<SiloControlView>();
        SiloControlView[] healthyViews = [.. new[] { 0, 2 }.Select(i => mesh.Cluster.Silos[i].ServiceProvider.GetRequiredService<SiloControlView>())];
        cutOff.Partition(partitioned.SiloAddress);
        var revoking = mesh.OperatorOn(0).GetGrain<ICredentialGrain>(scenario.Id("c")).Revoke("leaked");

        // The revoke is committed and its push to silo 1 keeps failing. The lease clock has not moved, so silo 1's lease
        // still holds: the revoke must not return yet.
        await Poll.UntilAsync(() => cutOff.RefusedPushes >= 3 || revoking.IsCompleted, TimeSpan.FromSeconds(30), "the revoke's push to the cut-off silo to be refused three times");
        Assert.True(isolatedView.IsCurrent());
        Assert.False(revoking.IsCompleted, "the revoke returned while the cut-off silo's lease still held (it may still allow the credential)");

        // Time passes in half-second steps; the connected silos renew every second and stay current.
        while (!revoking.IsCompleted)
        {
            leaseClock.Advance(renew / 2);
            var now = leaseClock.GetUtcNow();
            await Poll.UntilAsync(
                () => revoking.IsCompleted || healthyViews.All(v => v.ConfirmedAt >= now - renew),
                TimeSpan.FromSeconds(30),
                () => $"the connected silos to renew their leases at {now:O} (confirmed {string.Join(", ", healthyViews.Select(v => v.ConfirmedAt))})");
            Assert.True(leaseClock.GetUtcNow() - DateTimeOffset.UnixEpoch < TimeSpan.FromMinutes(1), "the revoke did not return a minute after its commit");
        }

        var receipt = (await revoking).Receipt!;

        // It returned: by then silo 1's lease has run out, and the receipt says silo 1 did not confirm.
        Assert.False(isolatedView.IsCurrent(), "the revoke returned while the cut-off silo's lease still held");
        Assert.Equal(3, receipt.SilosLive);
        Assert.Equal(2, receipt.SilosAcknowledged);
        Assert.Equal(partitioned.SiloAddress.ToString(), Assert.Single(receipt.Unconfirmed));
        Assert.False(receipt.Complete);

        // From the return on: the connected silos deny for the revoke, the cut-off one for its stale view; more time
        // passing while it stays cut off changes nothing.
        foreach (var agent in healthy)
        {
            Assert.Equal(ReasonCode.CredentialRevoked, (await Use(agent)).Reason);
        }

        for (var i = 0; i < 3; i++)
        {
            var answer = await Use(isolated);
            Assert.Equal(Effect.Deny, answer.Effect);
            Assert.Equal(ReasonCode.ControlPlaneStale, answer.Reason);
            leaseClock.Advance(renew);
        }

        // Reconnected: its next renewal brings the revoke, and nothing it answered on the way was an allow.
        cutOff.Reconnect();
        var answers = new List<Decision>();
        await Poll.UntilAsync(
            async () =>
            {
                leaseClock.Advance(renew / 4);
                var answer = await Use(isolated);
                answers.Add(answer);
                return answer.Reason != ReasonCode.ControlPlaneStale;
            },
            TimeSpan.FromSeconds(30),
            () => $"the cut-off silo to renew after reconnecting (answers: {string.Join(", ", answers.Select(a => a.Reason))})");
        Assert.All(answers, a => Assert.Equal(Effect.Deny, a.Effect));
        Assert.Equal(ReasonCode.CredentialRevoked, answers[^1].Reason);
        Assert.True(isolatedView.IsCurrent());
    }

    [Fact]
    public async Task By_default_a_stale_silo_denies_every_action_and_can_be_told_to_deny_credentialed_ones_only()
    {
        foreach (var policy in new[] { Hosting.StaleViewPolicy.AllActions, Hosting.StaleViewPolicy.CredentialedActions })
        {
            var leaseClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
            var cutOff = new ControlPlaneCutOff();
            await using var mesh = await StartAsync(MeshCluster.WithSilos(
                1,
                o =>
                {
                    o.LeaseTimeProvider = leaseClock;
                    if (policy != default)
                    {
                        o.StaleDenies = policy;
                    }
                },
                silo =>
                {
                    silo.Services.AddSingleton(cutOff);
                    silo.AddOutgoingGrainCallFilter<ControlPlaneCutOff.Filter>();
                }));
            var scenario = new Scenario(mesh.Operator, mesh.Client);
            await scenario.PublishAsync(TestPolicies.AllowAll);
            await scenario.IssueCredentialAsync("c");
            var agent = (await RegisterAsync(mesh, scenario, 1, scenario.Id("c")))[0];
            cutOff.IsolateAll();
            leaseClock.Advance(TimeSpan.FromMinutes(1));

            Assert.Equal(ReasonCode.ControlPlaneStale, (await agent.DecideAsync("git", "push", "x", scenario.Id("c"))).Reason);
            var uncredentialed = await agent.DecideAsync("shell", "exec", "ls");
            if (policy == Hosting.StaleViewPolicy.AllActions)
            {
                Assert.Equal(ReasonCode.ControlPlaneStale, uncredentialed.Reason);
            }
            else
            {
                Assert.Equal(Effect.Allow, uncredentialed.Effect);
            }
        }
    }

    private static async Task<MeshCluster> StartAsync(MeshCluster mesh)
    {
        await mesh.InitializeAsync();
        return mesh;
    }

    // Agent i is activated on silo i mod silos.
    private static async Task<IReadOnlyList<TestAgent>> RegisterAsync(MeshCluster mesh, Scenario scenario, int count, string credential)
    {
        var agents = new TestAgent[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            agents[i] = await mesh.OnSiloAsync(i, () => scenario.RegisterAsync($"agent-{index}", Registrations.With(credentials: [credential])));
        }

        return agents;
    }
}
