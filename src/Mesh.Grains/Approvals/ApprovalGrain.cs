using System.Collections.Immutable;
using System.Globalization;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Hosting;
using Mesh.Grains.Tenants;
using Mesh.Policy.Identities;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Approvals;

/// <summary>
/// One human approval. Expiry and escalation are derived from <see cref="TimeProvider"/> time on every call, so
/// they hold even when no reminder fired (after a restart, say); reminders make them durable and wake waiting
/// runtimes (see ApprovalGrain.Reminders.cs). Waiting runtimes are woken at once on every change.
/// </summary>
internal sealed partial class ApprovalGrain(
    [PersistentState("approval", MeshStorage.ProviderName)] IPersistentState<ApprovalState> state,
    MeshClock clock,
    ILogger<ApprovalGrain> logger) : Grain, IApprovalGrain, IRemindable
{
    private static readonly TimeSpan MaxWatch = TimeSpan.FromSeconds(20);
    private TaskCompletionSource _changed = NewSignal();

    private string ApprovalId => this.GetPrimaryKeyString();

    public async Task<ApprovalView> Open(ApprovalOpening opening)
    {
        ArgumentNullException.ThrowIfNull(opening);
        if (state.State.Status != ApprovalStatus.Unknown)
        {
            return state.State.RequestDigest == opening.RequestDigest
                ? BuildView(clock.UtcNow)
                : throw new MeshException(MeshErrorCode.Conflict, $"Approval '{ApprovalId}' is already bound to another request.");
        }

        var tenant = MeshKey.TenantOf(ApprovalId);
        MeshException.ThrowIfInvalid(tenant is not null && tenant == MeshKey.TenantOf(opening.Subject.AgentId), "The approval id and the requesting agent must belong to the same tenant.");
        var policy = opening.Policy;
        MeshException.ThrowIfInvalid(!policy.Groups.IsDefaultOrEmpty, "An approval needs at least one approver group.");
        MeshException.ThrowIfInvalid(policy.Quorum is >= 1 and <= 100, "An approval quorum must be between 1 and 100.");
        MeshException.ThrowIfInvalid(policy.ExpiresAfter > TimeSpan.Zero, "An approval must expire after a positive time.");

        var now = clock.UtcNow;
        state.State.Status = ApprovalStatus.Pending;
        state.State.Subject = opening.Subject;
        state.State.RequestDigest = opening.RequestDigest;
        state.State.PolicyVersion = opening.PolicyVersion;
        state.State.Policy = policy;
        state.State.OpenedAt = now;
        state.State.Deadline = now + policy.ExpiresAfter;
        // A new approval has no reminders yet: the sync after the commit registers them without reading first.
        _reminders = new(StringComparer.Ordinal);
        await CommitAsync();
        await RecordAsync(AuditKind.ApprovalOpened, opening.Subject.AgentId, $"Approval opened for {opening.Subject.Tool} {opening.Subject.Operation} by rule '{opening.Subject.RuleId}'.", Detail(
            ("rule", opening.Subject.RuleId),
            ("request_digest", opening.RequestDigest),
            ("groups", string.Join(',', policy.Groups)),
            ("quorum", policy.Quorum.ToString(CultureInfo.InvariantCulture)),
            ("deadline", state.State.Deadline?.ToString("O", CultureInfo.InvariantCulture)),
            // As decision records keep them: addresses and labels, never arguments.
            ("resolved_addresses", Joined(opening.Subject.ResolvedAddresses)),
            ("session_labels", Joined(opening.Subject.SessionLabels))));

        // Most approvals wait minutes for a person; an idle activation per pending approval would pile up in memory.
        // The state is durable, so the next vote or wait (or a reminder) reactivates it. The reminders are
        // registered first, after this call has answered, so the decision that opened the approval never waits on
        // the reminder table.
        _deactivateAfterSync = true;
        return BuildView(now);
    }

    public async Task<ApprovalView> Vote(ApprovalVote vote)
    {
        ArgumentNullException.ThrowIfNull(vote);
        var now = clock.UtcNow;
        var s = state.State;
        EnsureOpened();
        if (VoterRefusal(vote.ApproverId, vote.ApproverGroups, now) is { } refusal)
        {
            throw refusal;
        }

        s.Votes.Add(new RecordedVote { ApproverId = vote.ApproverId, Approve = vote.Approve, Comment = Text.Truncate(vote.Comment, 2048), At = now });
        if (!vote.Approve)
        {
            s.Status = ApprovalStatus.Denied;
            s.ClosedBy = vote.ApproverId;
            s.ClosedAt = now;
        }
        else if (DistinctApprovers() >= s.Policy!.Quorum)
        {
            s.Status = ApprovalStatus.Granted;
        }

        await CommitAsync();
        await RecordAsync(AuditKind.ApprovalVote, vote.ApproverId, $"{vote.ApproverId} voted to {(vote.Approve ? "approve" : "deny")}; the approval is {Describe(s.Status)}.", Detail(
            ("vote", vote.Approve ? "approve" : "deny"),
            ("comment", Text.Truncate(vote.Comment, 2048)),
            ("status", Describe(s.Status))));
        return BuildView(now);
    }

    public Task<VoterCheck> CheckVoter(string approverId, ImmutableArray<string> approverGroups)
    {
        EnsureOpened();
        var refusal = VoterRefusal(approverId, approverGroups, clock.UtcNow);
        return Task.FromResult(new VoterCheck { MayVote = refusal is null, Reason = refusal?.Message });
    }

    // Who may vote, in one place: Vote throws what this returns, CheckVoter reports it. Null: the vote is accepted.
    // People are compared by their canonical identity (ApproverIdentity): "Alice", "alice " and "ａｌｉｃｅ" are one
    // person for separation of duties, group membership, one vote each and the quorum.
    private MeshException? VoterRefusal(string? approverId, ImmutableArray<string> approverGroups, DateTimeOffset now)
    {
        var s = state.State;
        var status = EffectiveStatus(now);
        if (status != ApprovalStatus.Pending)
        {
            return new MeshException(MeshErrorCode.InvalidState, $"Approval '{ApprovalId}' is {Describe(status)}; votes are no longer accepted.");
        }

        if (string.IsNullOrWhiteSpace(approverId) || approverId.Length > 256)
        {
            return new MeshException(MeshErrorCode.InvalidArgument, "A vote needs an approver id of at most 256 characters.");
        }

        if (!ApproverIdentity.TryCanonicalize(approverId, out var identity, out var problem))
        {
            return new MeshException(MeshErrorCode.AccessDenied, $"The approver name cannot be used to vote: {problem}. Ask an admin for a token with a plain name.");
        }

        if (string.Equals(approverId, s.Subject!.AgentId, StringComparison.Ordinal) || ApproverIdentity.AreSame(identity, s.Subject.AgentId))
        {
            return new MeshException(MeshErrorCode.AccessDenied, "The requesting agent cannot vote on its own request.");
        }

        if (s.Policy!.SeparationOfDuties && s.Subject.AgentOwner is { } owner)
        {
            // An owner with no canonical reading cannot be told apart from any approver: nobody may vote (fail closed).
            if (!ApproverIdentity.TryCanonicalize(owner, out var ownerIdentity, out var ownerProblem))
            {
                return new MeshException(MeshErrorCode.AccessDenied, $"Separation of duties cannot be checked: the requesting agent's owner is not a usable name ({ownerProblem}). Re-register the agent with a plain owner name.");
            }

            if (string.Equals(identity, ownerIdentity, StringComparison.Ordinal))
            {
                return new MeshException(MeshErrorCode.AccessDenied, $"Separation of duties: '{owner}' owns the requesting agent and cannot vote on its requests.");
            }
        }

        if (GroupRefusal(approverId, identity, approverGroups, now) is { } notEligible)
        {
            return notEligible;
        }

        if (s.Votes.Exists(v => string.Equals(IdentityOf(v), identity, StringComparison.Ordinal)))
        {
            return new MeshException(MeshErrorCode.Conflict, $"'{approverId}' has already voted on this approval; one vote per approver.");
        }

        return null;
    }

    // The approver must hold, in this approval's tenant, a group that may vote now. For a group the tenant's policy
    // declares with members, only a grant scoped to this tenant counts, and only for a declared member; a grant for
    // every tenant (including the bare names of tokens made before groups were scoped) counts only for groups the
    // policy does not declare.
    private MeshException? GroupRefusal(string approverId, string identity, ImmutableArray<string> approverGroups, DateTimeOffset now)
    {
        var tenant = MeshKey.TenantOf(ApprovalId)!;
        var members = state.State.Policy!.Members ?? ImmutableDictionary<string, ImmutableArray<string>>.Empty;
        var eligible = EligibleGroups(now).ToList();
        string? why = null;
        foreach (var text in approverGroups.IsDefault ? [] : approverGroups)
        {
            if (!ApproverGroupGrant.TryParse(text, out var grant) || !grant.AppliesIn(tenant) || !eligible.Contains(grant.Group, StringComparer.Ordinal))
            {
                continue;
            }

            if (!members.TryGetValue(grant.Group, out var declared))
            {
                return null;
            }

            if (!grant.IsScopedTo(tenant))
            {
                why ??= $"'{approverId}' holds approver group '{grant.Group}' for every tenant, but tenant '{tenant}' declares who is in '{grant.Group}': only a grant of '{tenant}/{grant.Group}' counts here.";
            }
            else if (!declared.Contains(identity, StringComparer.Ordinal))
            {
                why = $"'{approverId}' is not a declared member of approver group '{grant.Group}' in tenant '{tenant}'.";
            }
            else
            {
                return null;
            }
        }

        return new MeshException(MeshErrorCode.AccessDenied, why ?? $"'{approverId}' is not in an approver group of this approval ({string.Join(", ", eligible)}) in tenant '{tenant}'.");
    }

    // Votes recorded before identities were canonical keep counting as themselves: a name that has no canonical
    // reading (it could not vote today) is its own identity, distinct from every canonical one.
    private static string IdentityOf(RecordedVote vote) => ApproverIdentity.Canonicalize(vote.ApproverId) ?? "\0raw:" + vote.ApproverId;

    // The quorum counts people, not votes or spellings.
    private int DistinctApprovers() => state.State.Votes.Where(v => v.Approve).Select(IdentityOf).Distinct(StringComparer.Ordinal).Count();

    public async Task<ApprovalView> Cancel(string actor, string? reason)
    {
        EnsureOpened();
        var now = clock.UtcNow;
        var status = EffectiveStatus(now);
        if (status is not (ApprovalStatus.Pending or ApprovalStatus.Granted) || state.State.Consumed)
        {
            throw new MeshException(MeshErrorCode.InvalidState, $"Approval '{ApprovalId}' is {Describe(status)} and cannot be cancelled.");
        }

        state.State.Status = ApprovalStatus.Cancelled;
        state.State.ClosedBy = Text.Truncate(actor, 256);
        state.State.CloseReason = Text.Truncate(reason, 512);
        state.State.ClosedAt = now;
        await CommitAsync();
        await RecordAsync(AuditKind.ApprovalCancelled, state.State.ClosedBy ?? "system", "The approval was cancelled.", Detail(("reason", state.State.CloseReason)));
        return BuildView(now);
    }

    public async Task<ApprovalConsumeResult> Consume(string agentId, string requestDigest, long policyVersion)
    {
        var s = state.State;
        var now = clock.UtcNow;
        var status = EffectiveStatus(now);
        var result = status switch
        {
            ApprovalStatus.Unknown => ApprovalConsumeResult.Unknown,
            ApprovalStatus.Pending => ApprovalConsumeResult.Pending,
            ApprovalStatus.Expired => ApprovalConsumeResult.Expired,
            ApprovalStatus.Denied or ApprovalStatus.Cancelled => ApprovalConsumeResult.Denied,
            _ when !string.Equals(s.Subject?.AgentId, agentId, StringComparison.Ordinal)
                || !string.Equals(s.RequestDigest, requestDigest, StringComparison.Ordinal)
                || s.PolicyVersion != policyVersion => ApprovalConsumeResult.Mismatch,
            _ when s.Consumed => ApprovalConsumeResult.AlreadyConsumed,
            _ => ApprovalConsumeResult.Consumed,
        };

        if (result == ApprovalConsumeResult.Consumed)
        {
            // One write, as before: the deadline reminder is unregistered after this call has answered.
            s.Consumed = true;
            s.ClosedAt = now;
            await CommitAsync();
            await RecordAsync(AuditKind.ApprovalConsumed, agentId, "The granted approval was used by the request it was granted for (single use).", Detail(("request_digest", requestDigest)));
        }

        return result;
    }

    // Every change of an approval joins its tenant's audit stream after it is committed. If the record cannot be written
    // the call fails: a vote or an opening nobody can audit must not look successful.
    private Task RecordAsync(AuditKind kind, string actor, string message, ImmutableSortedDictionary<string, string> detail)
    {
        var subject = state.State.Subject;
        return GrainFactory.GetGrain<IAuditStreamGrain>(MeshKey.TenantOf(ApprovalId)!).Append(new AuditEntry
        {
            Kind = kind,
            Actor = actor,
            AgentId = subject?.AgentId,
            RequestId = subject?.RequestId,
            ApprovalId = ApprovalId,
            PolicyVersion = state.State.PolicyVersion,
            Message = message,
            Detail = detail,
        });
    }

    private static string? Joined(ImmutableArray<string> values) => values.IsDefaultOrEmpty ? null : string.Join(',', values);

    private static ImmutableSortedDictionary<string, string> Detail(params (string Key, string? Value)[] pairs)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            if (value is not null)
            {
                builder[key] = value;
            }
        }

        return builder.ToImmutable();
    }

    public Task<ApprovalView> Get() => Task.FromResult(BuildView(clock.UtcNow));

    public async Task<ApprovalView> Watch(int knownRevision, TimeSpan maxWait)
    {
        var now = clock.UtcNow;
        var view = BuildView(now);
        if (view.Revision != knownRevision || view.Status != ApprovalStatus.Pending || maxWait <= TimeSpan.Zero)
        {
            return view;
        }

        // Wake at the deadline too, so a waiter learns of the expiry without anyone voting.
        var wait = maxWait < MaxWatch ? maxWait : MaxWatch;
        if (state.State.Deadline is { } deadline && deadline - now < wait)
        {
            wait = deadline - now;
        }

        using var stopTimer = new CancellationTokenSource();
        _watching++;
        try
        {
            await Task.WhenAny(_changed.Task, Task.Delay(wait, clock.Time, stopTimer.Token));
        }
        finally
        {
            _watching--;
        }

        await stopTimer.CancelAsync();
        return BuildView(clock.UtcNow);
    }

    private async Task CommitAsync()
    {
        state.State.Revision++;
        await state.WriteOrDiscardAsync(GrainContext);
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();

        // Every change can change which reminders are wanted; the reminder table is brought in line after the
        // current call, never on it.
        ScheduleReminderSync();

        // Keep the tenant's inbox of pending approvals, and the fleet-wide one, current: in on open, out once decided.
        var pending = state.State.Status == ApprovalStatus.Pending;
        if (!pending || state.State.Revision == 1)
        {
            var index = GrainFactory.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyFor(MeshKey.TenantOf(ApprovalId)!, ITenantIndexGrain.Approvals, ApprovalId));
            var registry = TenantRegistry.PendingApprovalShard(GrainFactory, ApprovalId);
            await Task.WhenAll(pending ? index.Add(ApprovalId) : index.Remove(ApprovalId), pending ? registry.Add(ApprovalId) : registry.Remove(ApprovalId));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApprovalStatus EffectiveStatus(DateTimeOffset now)
    {
        var s = state.State;
        var expired = s.Deadline is { } deadline && now >= deadline;
        return s.Status switch
        {
            ApprovalStatus.Pending when expired => ApprovalStatus.Expired,
            ApprovalStatus.Granted when expired && !s.Consumed => ApprovalStatus.Expired,
            var other => other,
        };
    }

    private bool IsEscalated(DateTimeOffset now) => EscalationTime() is { } at && now >= at;

    private DateTimeOffset? EscalationTime() =>
        state.State is { Policy.EscalateAfter: { } after, OpenedAt: { } opened } ? opened + after : null;

    private IEnumerable<string> EligibleGroups(DateTimeOffset now)
    {
        var policy = state.State.Policy!;
        return IsEscalated(now) ? policy.Groups.Concat(policy.EscalationGroups).Distinct(StringComparer.Ordinal) : policy.Groups;
    }

    private void EnsureOpened()
    {
        if (state.State.Status == ApprovalStatus.Unknown)
        {
            throw new MeshException(MeshErrorCode.NotFound, $"No approval '{ApprovalId}' was opened.");
        }
    }

    private static string Describe(ApprovalStatus status) => status.ToString().ToLowerInvariant();

    private ApprovalView BuildView(DateTimeOffset now)
    {
        var s = state.State;
        return new ApprovalView
        {
            ApprovalId = ApprovalId,
            Status = EffectiveStatus(now),
            Subject = s.Subject,
            RequestDigest = s.RequestDigest,
            PolicyVersion = s.PolicyVersion,
            Policy = s.Policy,
            Votes = [.. s.Votes],
            OpenedAt = s.OpenedAt,
            Deadline = s.Deadline,
            Escalated = IsEscalated(now),
            Consumed = s.Consumed,
            Revision = s.Revision,
            EligibleGroups = s.Policy is not null && EffectiveStatus(now) == ApprovalStatus.Pending ? [.. EligibleGroups(now)] : [],
        };
    }
}
