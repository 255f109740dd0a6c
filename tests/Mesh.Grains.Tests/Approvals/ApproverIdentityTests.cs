using System.Collections.Immutable;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Approvals;

/// <summary>
/// Separation of duties, one vote per person, the quorum and group membership compare canonical approver identities,
/// and groups are scoped to tenants. Every refusal is checked twice: by a vote, and by CheckVoter (what the console
/// and the API answer to "may I vote?"), which must agree.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ApproverIdentityTests(MeshCluster mesh)
{
    private const string Rules = """
          - id: payments
            effect: require_approval
            match:
              tools: [payments]
            approval:
              groups: [finance]
              quorum: 2
        """;

    private const string DeclaredRules = """
        approver_groups:
          finance: [Bob, carol, " Dave "]
        rules:
          - id: payments
            effect: require_approval
            match:
              tools: [payments]
            approval:
              groups: [finance]
              quorum: 2
        """;

    private async Task<(Scenario Scenario, IApprovalGrain Approval)> OpenAsync(string? document = null)
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(document is null ? TestPolicies.Of(Rules) : "apiVersion: mesh/v1\nkind: Policy\n" + document);
        var agent = await scenario.RegisterAsync("bot", Registrations.With(owner: "alice"));
        var decision = await agent.DecideAsync(agent.Request("payments", "transfer", "acct-42"));
        Assert.Equal(Effect.RequireApproval, decision.Effect);
        return (scenario, mesh.Operator.GetGrain<IApprovalGrain>(decision.ApprovalId!));
    }

    private static ApprovalVote Vote(string who, params string[] groups) =>
        new() { ApproverId = who, ApproverGroups = groups.Length == 0 ? ["finance"] : [.. groups], Approve = true };

    // The vote is refused with `code`, CheckVoter says the same, and nothing was recorded.
    private static async Task<MeshException> AssertRefusedAsync(IApprovalGrain approval, ApprovalVote vote, MeshErrorCode code)
    {
        var before = await approval.Get();
        var check = await approval.CheckVoter(vote.ApproverId, vote.ApproverGroups);
        var refusal = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(vote));
        var after = await approval.Get();

        Assert.Equal(code, refusal.Code);
        Assert.False(check.MayVote);
        Assert.Equal(refusal.Message, check.Reason);
        Assert.Equal(before.Votes.Length, after.Votes.Length);
        Assert.Equal(before.Revision, after.Revision);
        return refusal;
    }

    [Theory]
    [InlineData("ALICE")]
    [InlineData("Alice")]
    [InlineData("alice ")]
    [InlineData("  alice")]
    [InlineData("ａｌｉｃｅ")] // fullwidth: NFKC reads it as "alice"
    [InlineData("ＡＬＩＣＥ")]
    [InlineData("alice\u3000")] // ideographic space
    public async Task The_owner_cannot_vote_under_another_spelling_of_their_name(string spelling)
    {
        var (_, approval) = await OpenAsync();

        var refusal = await AssertRefusedAsync(approval, Vote(spelling), MeshErrorCode.AccessDenied);

        Assert.Contains("Separation of duties", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ali\u200Bce")] // zero-width space
    [InlineData("alice\u200D")] // zero-width joiner
    [InlineData("\u202Eecila")] // right-to-left override
    [InlineData("alice\uFE0F")] // variation selector
    [InlineData("ali\u00ADce")] // soft hyphen
    public async Task An_approver_name_with_invisible_characters_cannot_vote(string spelling)
    {
        var (_, approval) = await OpenAsync();

        await AssertRefusedAsync(approval, Vote(spelling), MeshErrorCode.AccessDenied);
    }

    [Fact]
    public async Task Two_spellings_of_one_person_do_not_make_a_quorum_of_two()
    {
        var (_, approval) = await OpenAsync();

        await approval.Vote(Vote("bob"));
        await AssertRefusedAsync(approval, Vote("Bob"), MeshErrorCode.Conflict);
        await AssertRefusedAsync(approval, Vote("ｂｏｂ "), MeshErrorCode.Conflict);
        var pending = await approval.Get();
        var granted = await approval.Vote(Vote("carol"));

        Assert.Equal(ApprovalStatus.Pending, pending.Status);
        Assert.Single(pending.Votes);
        Assert.Equal(ApprovalStatus.Granted, granted.Status);
    }

    [Fact]
    public async Task Only_declared_members_may_vote_for_a_declared_group_with_a_grant_of_this_tenant()
    {
        var (scenario, approval) = await OpenAsync(DeclaredRules);
        var here = $"{scenario.Tenant}/finance";

        var mallory = await AssertRefusedAsync(approval, Vote("mallory", here), MeshErrorCode.AccessDenied);
        var everyTenant = await AssertRefusedAsync(approval, Vote("bob", "*/finance"), MeshErrorCode.AccessDenied);
        var bare = await AssertRefusedAsync(approval, Vote("bob", "finance"), MeshErrorCode.AccessDenied);
        var otherTenant = await AssertRefusedAsync(approval, Vote("bob", "globex/finance"), MeshErrorCode.AccessDenied);
        var bob = await approval.CheckVoter("BOB", [here]);
        await approval.Vote(Vote("BOB", here));
        var granted = await approval.Vote(Vote("dave", "globex/finance", here));

        Assert.Contains("not a declared member", mallory.Message, StringComparison.Ordinal);
        Assert.Contains($"only a grant of '{here}' counts", everyTenant.Message, StringComparison.Ordinal);
        Assert.Equal(everyTenant.Message, bare.Message);
        Assert.Contains("not in an approver group", otherTenant.Message, StringComparison.Ordinal);
        Assert.True(bob.MayVote);
        Assert.Equal(ApprovalStatus.Granted, granted.Status);
        Assert.Equal(["BOB", "dave"], granted.Votes.Select(v => v.ApproverId).ToArray());
    }

    [Fact]
    public async Task Another_tenants_group_cannot_approve()
    {
        var (scenario, approval) = await OpenAsync();

        var foreign = await AssertRefusedAsync(approval, Vote("bob", "globex/finance"), MeshErrorCode.AccessDenied);
        var malformed = await AssertRefusedAsync(approval, Vote("bob", "globex/finance/x", "/finance", "Acme/finance"), MeshErrorCode.AccessDenied);
        await approval.Vote(Vote("bob", $"{scenario.Tenant}/finance"));
        // Undeclared groups still take grants for every tenant (tokens made before groups were scoped keep working).
        var granted = await approval.Vote(Vote("carol", "*/finance"));

        Assert.Contains($"in tenant '{scenario.Tenant}'", foreign.Message, StringComparison.Ordinal);
        Assert.Equal(foreign.Message, malformed.Message);
        Assert.Equal(ApprovalStatus.Granted, granted.Status);
    }

    [Fact]
    public async Task An_owner_with_no_canonical_reading_cannot_be_registered()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of(Rules));

        var refused = await Assert.ThrowsAsync<MeshException>(() => scenario.RegisterAsync("bot", Registrations.With(owner: "ali\u200Bce")));

        Assert.Equal(MeshErrorCode.InvalidArgument, refused.Code);
        Assert.Contains("owner must be a plain name", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inbox_answer_agrees_for_every_grant_form()
    {
        var (scenario, approval) = await OpenAsync(DeclaredRules);
        ImmutableArray<string>[] grants = [["finance"], ["*/finance"], [$"{scenario.Tenant}/finance"], ["globex/finance"], [], ["nonsense!"]];

        foreach (var groups in grants)
        {
            foreach (var who in new[] { "bob", "mallory", "alice", "ALICE" })
            {
                var check = await approval.CheckVoter(who, groups);
                var expected = groups.Length == 1 && groups[0] == $"{scenario.Tenant}/finance" && who == "bob";
                Assert.Equal(expected, check.MayVote);
            }
        }
    }
}
