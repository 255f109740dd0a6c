using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Credentials;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grains.Tests.ControlPlane;

/// <summary>
/// docs/GUARANTEES.md promise 6, with storage that fails on command under a three-silo cluster: a change whose
/// control-plane commit fails is applied nowhere; a change whose owner cannot save its own record fails to the operator
/// and leaves the fleet as the commit says; after the fault clears, a retry applies the change fully (durable in both
/// records, obeyed by every silo, one receipt from all). Each test builds its own cluster: the faults are cluster-wide.
/// </summary>
public sealed class NothingHalfAppliedTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_revoke_whose_commit_fails_is_applied_on_no_silo_and_a_retry_applies_it_fully()
    {
        var faults = new StorageFaults();
        await using var mesh = await StartAsync(faults);
        var (scenario, agents) = await SetUpAsync(mesh);

        faults.FailWrites(name => name.StartsWith("control-", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<Exception>(() => mesh.OperatorOn(0).GetGrain<ICredentialGrain>(scenario.Id("c")).Revoke("leaked"));
        Assert.True(faults.RefusedWrites > 0);

        // Nothing is durable, and no silo applies the change: not by the push, nor by a lease renewal made after the
        // failure (each silo renews once more before it is checked).
        Assert.Equal(CredentialStatus.Active, await DurableCommittedStatusAsync(mesh, faults, scenario.Id("c")));
        Assert.Equal(CredentialStatus.Active, (await DurableOwnerStateAsync(faults, scenario))!.Status);
        await EverySiloRenewedAsync(mesh);
        for (var i = 0; i < agents.Count; i++)
        {
            Assert.Equal(CredentialStatus.Active, ViewOf(mesh, i, scenario.Id("c")));
            Assert.Equal(Effect.Allow, (await Use(agents[i], scenario)).Effect);
        }

        // The fault clears; the operator retries and gets a receipt from every silo, and the change is whole.
        faults.Heal();
        var retried = await mesh.OperatorOn(0).GetGrain<ICredentialGrain>(scenario.Id("c")).Revoke("leaked");
        await AssertAppliedFullyAsync(mesh, faults, scenario, agents, retried);
    }

    [Fact]
    public async Task A_revoke_whose_owner_cannot_save_fails_leaves_the_fleet_stricter_and_a_retry_completes_it()
    {
        var faults = new StorageFaults();
        await using var mesh = await StartAsync(faults);
        var (scenario, agents) = await SetUpAsync(mesh);

        faults.FailWrites(name => name == "credential");
        await Assert.ThrowsAnyAsync<Exception>(() => mesh.OperatorOn(0).GetGrain<ICredentialGrain>(scenario.Id("c")).Revoke("leaked"));

        // The commit is the durable point: it holds, the owner's record does not. The fleet obeys the commit (the next
        // renewal brings it everywhere): stricter than what the operator was told, never looser.
        var committed = await DurableCommittedAsync(mesh, faults, scenario.Id("c"));
        Assert.Equal(CredentialStatus.Revoked, committed?.Credential?.Status);
        Assert.Equal(CredentialStatus.Active, (await DurableOwnerStateAsync(faults, scenario))!.Status);
        foreach (var agent in agents)
        {
            await Poll.UntilAsync(async () => (await Use(agent, scenario)).Reason == ReasonCode.CredentialRevoked, Bounded, $"{agent.AgentId} denied by the committed revoke");
        }

        faults.Heal();
        var retried = await mesh.OperatorOn(0).GetGrain<ICredentialGrain>(scenario.Id("c")).Revoke("leaked");
        await AssertAppliedFullyAsync(mesh, faults, scenario, agents, retried);
        // The retry repeated nothing: it is the change already committed, under its epoch.
        Assert.Equal(committed!.Epoch, retried.Receipt!.Epoch);
    }

    [Fact]
    public async Task A_change_after_one_whose_owner_could_not_save_is_committed_not_swallowed()
    {
        var faults = new StorageFaults();
        await using var mesh = await StartAsync(faults);
        var (scenario, agents) = await SetUpAsync(mesh);
        var credential = mesh.OperatorOn(0).GetGrain<ICredentialGrain>(scenario.Id("c"));
        await credential.Suspend("rotation");

        // A resume is committed but its owner cannot save it: the owner reloads as suspended, the fleet holds the resume.
        faults.FailWrites(name => name == "credential");
        await Assert.ThrowsAnyAsync<Exception>(() => credential.Resume());
        faults.Heal();

        // The operator revokes. The owner's next change carries the revision the failed resume already used; the
        // revoke must still be what the fleet obeys when it returns.
        var revoked = await credential.Revoke("leaked");
        await AssertAppliedFullyAsync(mesh, faults, scenario, agents, revoked);
    }

    private static async Task<MeshCluster> StartAsync(StorageFaults faults)
    {
        var mesh = MeshCluster.WithSilos(3, silo: silo => faults.AddTo(silo));
        await mesh.InitializeAsync();
        return mesh;
    }

    // A credential owned on silo 0 and an agent holding it on each silo, each allowed.
    private static async Task<(Scenario Scenario, IReadOnlyList<TestAgent> Agents)> SetUpAsync(MeshCluster mesh)
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await mesh.OnSiloAsync(0, () => scenario.IssueCredentialAsync("c"));
        var agents = new List<TestAgent>();
        for (var i = 0; i < mesh.Cluster.Silos.Count; i++)
        {
            var name = $"agent-{i}";
            var agent = await mesh.OnSiloAsync(i, () => scenario.RegisterAsync(name, Registrations.With(credentials: [scenario.Id("c")])));
            Assert.Equal(Effect.Allow, (await Use(agent, scenario)).Effect);
            Assert.Equal(mesh.Cluster.Silos[i].SiloAddress, await mesh.SiloOfAsync(agent.Runtime));
            agents.Add(agent);
        }

        return (scenario, agents);
    }

    private static Task<Decision> Use(TestAgent agent, Scenario scenario) =>
        agent.DecideAsync("git", "push", "github.com/acme/app", scenario.Id("c"));

    // Durable in both records, a complete receipt with the committed epoch, and every silo denies for it.
    private static async Task AssertAppliedFullyAsync(MeshCluster mesh, StorageFaults faults, Scenario scenario, IReadOnlyList<TestAgent> agents, CredentialInfo info)
    {
        var receipt = info.Receipt!;
        for (var i = 0; i < agents.Count; i++)
        {
            Assert.Equal(ReasonCode.CredentialRevoked, (await Use(agents[i], scenario)).Reason);
            Assert.Equal(CredentialStatus.Revoked, ViewOf(mesh, i, scenario.Id("c")));
        }

        Assert.True(receipt.Complete, $"{receipt.SilosAcknowledged} of {receipt.SilosLive} silos confirmed");
        Assert.Equal(CredentialStatus.Revoked, info.Status);
        Assert.Equal(CredentialStatus.Revoked, await DurableCommittedStatusAsync(mesh, faults, scenario.Id("c")));
        Assert.Equal(receipt.Epoch, (await DurableCommittedAsync(mesh, faults, scenario.Id("c")))!.Epoch);
        Assert.Equal(CredentialStatus.Revoked, (await DurableOwnerStateAsync(faults, scenario))!.Status);
    }

    private static CredentialStatus? ViewOf(MeshCluster mesh, int silo, string credentialId) =>
        mesh.SiloService<SiloControlView>(silo).TryGetCredential(credentialId, out var entry) ? entry.Snapshot.Status : null;

    // Every silo completes a lease renewal that started after this call.
    private static async Task EverySiloRenewedAsync(MeshCluster mesh)
    {
        var views = Enumerable.Range(0, mesh.Cluster.Silos.Count).Select(mesh.SiloService<SiloControlView>).ToList();
        var now = DateTimeOffset.UtcNow;
        await Poll.UntilAsync(() => views.All(v => v.ConfirmedAt > now), Bounded, "every silo to renew its lease");
    }

    private static Task<CredentialState?> DurableOwnerStateAsync(StorageFaults faults, Scenario scenario) =>
        faults.ReadDurableAsync<CredentialState>("credential", scenario.Credential("c").GetGrainId());

    private static async Task<CredentialStatus?> DurableCommittedStatusAsync(MeshCluster mesh, StorageFaults faults, string credentialId) =>
        (await DurableCommittedAsync(mesh, faults, credentialId))?.Credential?.Status;

    // The control plane's entry for the credential as its storage records hold it.
    private static async Task<ControlChange?> DurableCommittedAsync(MeshCluster mesh, StorageFaults faults, string credentialId)
    {
        var controlPlane = mesh.Operator.GetGrain<IControlPlaneGrain>(IControlPlaneGrain.Key).GetGrainId();
        for (var shard = 0; shard < 16; shard++)
        {
            if (await faults.ReadDurableAsync<ControlShardState>($"control-{shard}", controlPlane) is { } state
                && state.Entries.TryGetValue("credential:" + credentialId, out var entry))
            {
                return entry;
            }
        }

        return null;
    }
}
