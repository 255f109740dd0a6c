using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Approvals;

[Collection(ClusterCollection.Name)]
public sealed class ApprovalTests(MeshCluster mesh)
{
    private const string Policy = """
          - id: payments
            description: Payments need two of finance.
            effect: require_approval
            match:
              tools: [payments]
            approval:
              groups: [finance]
              quorum: 2
              expires_after: 1h
              escalate_to: [cfo]
              escalate_after: 30m
          - id: read
            effect: allow
            match:
              tools: [files]
        """;

    private const string Arguments = """{"amount": 950, "currency": "EUR", "to": "DE89 3704 0044 0532 0130 00"}""";

    private async Task<(Scenario Scenario, TestAgent Agent, ActionRequest Request, Decision Decision)> RequestApprovalAsync()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of(Policy));
        var agent = await scenario.RegisterAsync("bot", Registrations.With(owner: "alice"));
        var request = agent.Request("payments", "transfer", "acct-42") with { Arguments = Arguments, DataLabels = ["financial"] };
        var decision = await agent.DecideAsync(request);
        Assert.Equal(Effect.RequireApproval, decision.Effect);
        return (scenario, agent, request, decision);
    }

    private IApprovalGrain Approval(Decision decision) => mesh.Operator.GetGrain<IApprovalGrain>(decision.ApprovalId!);

    private static ApprovalVote Vote(string who, bool approve = true, string group = "finance") =>
        new() { ApproverId = who, ApproverGroups = [group], Approve = approve, Comment = approve ? "ok" : "no" };

    [Fact]
    public async Task The_approval_holds_the_exact_request_with_every_argument()
    {
        var (_, agent, request, decision) = await RequestApprovalAsync();

        var view = await Approval(decision).Get();

        Assert.Equal(ApprovalStatus.Pending, view.Status);
        Assert.Equal(agent.AgentId, view.Subject!.AgentId);
        Assert.Equal(Arguments, view.Subject.Arguments);
        Assert.Equal("financial", Assert.Single(view.Subject.DataLabels));
        Assert.Equal("payments", view.Subject.RuleId);
        Assert.Equal(decision.PolicyVersion, view.PolicyVersion);
        Assert.Equal(mesh.Clock.GetUtcNow().AddHours(1), view.Deadline);
        Assert.Equal(request.RequestId, view.Subject.RequestId);
    }

    [Fact]
    public async Task Quorum_grants_and_the_resent_request_is_allowed_exactly_once()
    {
        var (_, agent, request, decision) = await RequestApprovalAsync();
        var resend = request with { ApprovalId = decision.ApprovalId };

        var afterOne = await Approval(decision).Vote(Vote("bob"));
        var tooEarly = await agent.DecideAsync(resend);
        var afterTwo = await Approval(decision).Vote(Vote("carol"));
        var allowed = await agent.DecideAsync(resend);
        var retried = await agent.DecideAsync(resend);
        var replayedUnderNewId = await agent.DecideAsync(resend with { RequestId = Ids.Request() });

        Assert.Equal(ApprovalStatus.Pending, afterOne.Status);
        Assert.Equal(ReasonCode.ApprovalPending, tooEarly.Reason);
        Assert.Equal(ApprovalStatus.Granted, afterTwo.Status);
        Assert.Equal(Effect.Allow, allowed.Effect);
        Assert.Equal(decision.ApprovalId, allowed.ApprovalId);
        // The same answer, marked as a replay; each answer is its own audit record.
        Assert.Equal(allowed with { AuditId = null, Replayed = true }, retried with { AuditId = null });
        Assert.NotEqual(allowed.AuditId, retried.AuditId);
        Assert.Equal(ReasonCode.ApprovalConsumed, replayedUnderNewId.Reason);
        Assert.True((await Approval(decision).Get()).Consumed);
    }

    [Fact]
    public async Task An_approval_consuming_allow_is_not_replayed_after_the_policy_changed()
    {
        var (scenario, agent, request, decision) = await RequestApprovalAsync();
        var resend = request with { ApprovalId = decision.ApprovalId };
        await Approval(decision).Vote(Vote("bob"));
        await Approval(decision).Vote(Vote("carol"));
        var allowed = await agent.DecideAsync(resend);

        await scenario.PublishAsync(TestPolicies.Of(Policy + "  # republished: a new version\n"));
        var afterChange = await agent.DecideAsync(resend);

        Assert.Equal(Effect.Allow, allowed.Effect);
        Assert.Equal((Effect.Deny, ReasonCode.ApprovalMismatch), (afterChange.Effect, afterChange.Reason));
    }

    [Fact]
    public async Task A_deny_vote_denies()
    {
        var (_, agent, request, decision) = await RequestApprovalAsync();

        var view = await Approval(decision).Vote(Vote("bob", approve: false));
        var resent = await agent.DecideAsync(request with { ApprovalId = decision.ApprovalId });

        Assert.Equal(ApprovalStatus.Denied, view.Status);
        Assert.Equal(ReasonCode.ApprovalDenied, resent.Reason);
    }

    [Fact]
    public async Task Separation_of_duties_and_one_vote_per_approver_are_enforced()
    {
        var (_, agent, _, decision) = await RequestApprovalAsync();
        var approval = Approval(decision);

        var byAgent = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(Vote(agent.AgentId)));
        var byOwner = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(Vote("alice")));
        var outsider = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(Vote("mallory", group: "engineering")));
        await approval.Vote(Vote("bob"));
        var twice = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(Vote("bob")));

        Assert.Equal(MeshErrorCode.AccessDenied, byAgent.Code);
        Assert.Equal(MeshErrorCode.AccessDenied, byOwner.Code);
        Assert.Equal(MeshErrorCode.AccessDenied, outsider.Code);
        Assert.Equal(MeshErrorCode.Conflict, twice.Code);
        var view = await approval.Get();
        Assert.Single(view.Votes);
        Assert.Equal(ApprovalStatus.Pending, view.Status);
    }

    [Fact]
    public async Task CheckVoter_answers_what_a_vote_would_get_and_changes_nothing()
    {
        var (_, agent, _, decision) = await RequestApprovalAsync();
        var approval = Approval(decision);

        async Task AssertRefusedAlike(ApprovalVote vote)
        {
            var check = await approval.CheckVoter(vote.ApproverId, vote.ApproverGroups);
            var refusal = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(vote));
            Assert.False(check.MayVote);
            Assert.Equal(refusal.Message, check.Reason);
        }

        await AssertRefusedAlike(Vote(agent.AgentId));
        await AssertRefusedAlike(Vote("alice"));
        await AssertRefusedAlike(Vote("mallory", group: "engineering"));
        var bob = await approval.CheckVoter("bob", ["finance"]);
        var revision = (await approval.Get()).Revision;
        await approval.Vote(Vote("bob"));
        await AssertRefusedAlike(Vote("bob"));
        var carol = await approval.CheckVoter("carol", ["finance", "engineering"]);
        await approval.Vote(Vote("carol"));
        await AssertRefusedAlike(Vote("dave"));

        Assert.True(bob.MayVote);
        Assert.Null(bob.Reason);
        Assert.True(carol.MayVote);
        Assert.Contains("is granted", (await approval.CheckVoter("dave", ["finance"])).Reason, StringComparison.Ordinal);
        // Only the two accepted votes changed the approval.
        Assert.Equal(revision + 2, (await approval.Get()).Revision);
        await Assert.ThrowsAsync<MeshException>(() => mesh.Operator.GetGrain<IApprovalGrain>($"{agent.AgentId.Split('/')[0]}/apr-never").CheckVoter("bob", ["finance"]));
    }

    [Fact]
    public async Task The_eligible_groups_widen_at_the_escalation_and_empty_once_decided()
    {
        var (_, _, _, decision) = await RequestApprovalAsync();
        var approval = Approval(decision);

        var before = await approval.Get();
        var ceoEarly = await approval.CheckVoter("ceo", ["cfo"]);
        mesh.Clock.Advance(TimeSpan.FromMinutes(30));
        var escalated = await approval.Get();
        var ceoLate = await approval.CheckVoter("ceo", ["cfo"]);
        await approval.Vote(Vote("bob", approve: false));
        var decided = await approval.Get();

        Assert.Equal(["finance"], before.EligibleGroups.ToArray());
        Assert.False(ceoEarly.MayVote);
        Assert.Equal(["finance", "cfo"], escalated.EligibleGroups.ToArray());
        Assert.True(ceoLate.MayVote);
        Assert.Empty(decided.EligibleGroups);
        Assert.Equal("Payments need two of finance.", before.Subject!.RuleDescription);
    }

    [Fact]
    public async Task An_approval_expires_at_its_deadline()
    {
        var (_, agent, request, decision) = await RequestApprovalAsync();
        await Approval(decision).Vote(Vote("bob"));

        mesh.Clock.Advance(TimeSpan.FromHours(1));
        var late = await Assert.ThrowsAsync<MeshException>(() => Approval(decision).Vote(Vote("carol")));
        var resent = await agent.DecideAsync(request with { ApprovalId = decision.ApprovalId });

        Assert.Equal(MeshErrorCode.InvalidState, late.Code);
        Assert.Equal(ApprovalStatus.Expired, (await Approval(decision).Get()).Status);
        Assert.Equal(ReasonCode.ApprovalExpired, resent.Reason);
    }

    [Fact]
    public async Task The_escalation_group_may_vote_only_after_the_escalation_delay()
    {
        var (_, _, _, decision) = await RequestApprovalAsync();
        var approval = Approval(decision);

        var early = await Assert.ThrowsAsync<MeshException>(() => approval.Vote(Vote("ceo", group: "cfo")));
        mesh.Clock.Advance(TimeSpan.FromMinutes(30));
        var view = await approval.Vote(Vote("ceo", group: "cfo"));

        Assert.Equal(MeshErrorCode.AccessDenied, early.Code);
        Assert.True(view.Escalated);
        Assert.Single(view.Votes);
    }

    [Fact]
    public async Task A_granted_approval_fits_no_other_request()
    {
        var (scenario, agent, request, decision) = await RequestApprovalAsync();
        await Approval(decision).Vote(Vote("bob"));
        await Approval(decision).Vote(Vote("carol"));
        var other = await scenario.RegisterAsync("other");

        var otherArguments = await agent.DecideAsync(request with { RequestId = Ids.Request(), ApprovalId = decision.ApprovalId, Arguments = Arguments.Replace("950", "95000", StringComparison.Ordinal) });
        var otherTarget = await agent.DecideAsync(request with { RequestId = Ids.Request(), ApprovalId = decision.ApprovalId, Target = "acct-666" });
        var otherAgent = await other.DecideAsync(other.Request("payments", "transfer", "acct-42") with { Arguments = Arguments, DataLabels = ["financial"], ApprovalId = decision.ApprovalId });
        var foreignTenant = await agent.DecideAsync(request with { RequestId = Ids.Request(), ApprovalId = "othertenant/apr-1" });

        Assert.Equal(ReasonCode.ApprovalMismatch, otherArguments.Reason);
        Assert.Equal(ReasonCode.ApprovalMismatch, otherTarget.Reason);
        Assert.Equal(ReasonCode.ApprovalMismatch, otherAgent.Reason);
        Assert.Equal(ReasonCode.ApprovalMismatch, foreignTenant.Reason);
        Assert.False((await Approval(decision).Get()).Consumed);
        Assert.Equal(Effect.Allow, (await agent.DecideAsync(request with { ApprovalId = decision.ApprovalId })).Effect);
    }

    [Fact]
    public async Task An_approval_is_bound_to_the_policy_version_it_was_given_under()
    {
        var (scenario, agent, request, decision) = await RequestApprovalAsync();
        await Approval(decision).Vote(Vote("bob"));
        await Approval(decision).Vote(Vote("carol"));

        await scenario.PublishAsync(TestPolicies.Of(Policy));
        var resent = await agent.DecideAsync(request with { ApprovalId = decision.ApprovalId });

        Assert.Equal(ReasonCode.ApprovalMismatch, resent.Reason);
    }

    [Fact]
    public async Task A_waiting_runtime_is_told_as_soon_as_the_approval_is_decided()
    {
        var (_, agent, _, decision) = await RequestApprovalAsync();

        await Approval(decision).Vote(Vote("bob"));
        var waiting = agent.Runtime.WaitForApproval(agent.Token, decision.ApprovalId!, TimeSpan.FromSeconds(20));
        await Approval(decision).Vote(Vote("carol"));

        var result = await WaitUntilFinalAsync(agent, decision, waiting);
        Assert.Equal(ApprovalStatus.Granted, result.Status);
        Assert.False(result.TimedOut);
    }

    [Fact]
    public async Task A_waiting_runtime_learns_of_the_expiry_without_any_vote()
    {
        var (_, agent, _, decision) = await RequestApprovalAsync();
        mesh.Clock.Advance(TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(50));

        var waiting = agent.Runtime.WaitForApproval(agent.Token, decision.ApprovalId!, TimeSpan.FromSeconds(20));

        // The grain waits on Mesh's (fake) clock: move it past the deadline until the waiter wakes.
        await Poll.UntilAsync(() =>
        {
            mesh.Clock.Advance(TimeSpan.FromSeconds(10));
            return waiting.IsCompleted;
        }, TimeSpan.FromSeconds(30), "the waiter to wake at the deadline");
        Assert.Equal(ApprovalStatus.Expired, (await waiting).Status);
    }

    [Fact]
    public async Task Waiting_needs_the_agent_token_and_the_agent_own_approval()
    {
        var (scenario, agent, _, decision) = await RequestApprovalAsync();
        var other = await scenario.RegisterAsync("other");

        var badToken = await Assert.ThrowsAsync<MeshException>(() => agent.Runtime.WaitForApproval("mesh_at_nope", decision.ApprovalId!, TimeSpan.Zero));
        var notTheirs = await Assert.ThrowsAsync<MeshException>(() => other.Runtime.WaitForApproval(other.Token, decision.ApprovalId!, TimeSpan.Zero));

        Assert.Equal(MeshErrorCode.AccessDenied, badToken.Code);
        Assert.Equal(MeshErrorCode.NotFound, notTheirs.Code);
    }

    private static async Task<ApprovalWaitResult> WaitUntilFinalAsync(TestAgent agent, Decision decision, Task<ApprovalWaitResult> first)
    {
        // The grain waits on Mesh's fake clock, which nobody moves here: only the vote can wake it in time.
        var result = await first.WaitAsync(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (result.Status == ApprovalStatus.Pending && DateTime.UtcNow < deadline)
        {
            result = await agent.Runtime.WaitForApproval(agent.Token, decision.ApprovalId!, TimeSpan.FromSeconds(20)).WaitAsync(TimeSpan.FromSeconds(30));
        }

        return result;
    }
}
