using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Shadow;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Approvals;
using Mesh.Grains.Audit;
using Mesh.Grains.Diagnostics;
using Mesh.Grains.Hosting;
using Mesh.Grains.Policies;
using Mesh.Grains.RateLimiting;
using Mesh.Grains.Sessions;
using Mesh.Policy.Destinations;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Model;
using Mesh.Policy.Targets;

namespace Mesh.Grains.Agents;

// The decision path. Order: agent known and token -> shape -> request id reuse -> control-plane view current -> agent
// status -> fleet stop -> tenant pause -> canonical target -> credential status and scope -> policy (conditions,
// evidence, session labels) -> destination guard -> shadow -> parent bounds -> replay -> approvals and rate limits. Every check reads memory: this grain's state, the silo-local policy cache, the fleet,
// tenant and credential grains' in-memory state. Any failure denies.
internal sealed partial class AgentGrain
{
    private static readonly GuardResult NotNetwork = new(false, DestinationCategory.None, [], null);
    private static readonly TimeSpan ViewLoadWait = TimeSpan.FromSeconds(2);

    // How long a retried request id may be answered with its first allow. Long enough for a runtime's retry after a
    // lost response, short enough that an allow is not a standing permission.
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromSeconds(60);

    // At most one placeholder record per interval for requests with a wrong agent token (they are counted meanwhile).
    private static readonly TimeSpan UnauthenticatedRecordInterval = TimeSpan.FromMinutes(1);

    public async Task<Decision> Decide(ActionRequest request)
    {
        var now = clock.UtcNow;
        var probe = metrics.StartDecision(request);
        if (request is null)
        {
            return Count(Decision.Deny(string.Empty, ReasonCode.BadRequest, "The request is empty.", now), probe);
        }

        var requestId = request.RequestId ?? string.Empty;
        Decision decision;
        try
        {
            decision = await DecideCore(request, now);
        }
        catch (Exception ex)
        {
            LogErrorDecisionFailed(logger, ex, _agentId, requestId);
            decision = Decision.Deny(requestId, ReasonCode.InternalError, "Mesh could not complete the decision, so it denies (fail closed). Retry, or ask an operator to check the silo logs.", now);
        }

        return Count(await RecordAsync(request, decision), probe);
    }

    // Every decision of a registered agent joins its audit stream before the runtime sees it (in the default, durable
    // mode: once the record is on disk). A decision that cannot be recorded is denied instead.
    private async Task<Decision> RecordAsync(ActionRequest request, Decision decision)
    {
        if (!_audit.Enabled || decision.Reason == ReasonCode.UnknownAgent)
        {
            return decision;
        }

        // An unauthenticated caller writes nothing of its own into the agent's chain, and cannot flood it: its refusals
        // are counted and recorded as one placeholder per interval.
        Func<long, string, AuditRecord> build;
        if (decision.Reason == ReasonCode.BadToken)
        {
            _unauthenticatedRefusals++;
            if (_lastUnauthenticatedRecord is { } last && decision.DecidedAt - last < UnauthenticatedRecordInterval)
            {
                return decision;
            }

            var refused = _unauthenticatedRefusals;
            (_unauthenticatedRefusals, _lastUnauthenticatedRecord) = (0, decision.DecidedAt);
            build = (sequence, previous) => AuditRecords.Unauthenticated(_agentId, _tenant, decision, refused, sequence, previous);
        }
        else
        {
            // A malformed request is the agent's, but only partly understood: little of it is kept.
            var trusted = decision.Reason != ReasonCode.BadRequest;
            var auditPolicy = policies.GetCached(_tenant, decision.PolicyVersion)?.Compiled.Audit ?? Mesh.Policy.Compilation.AuditPolicy.Default;
            build = (sequence, previous) => AuditRecords.Decision(_agentId, _tenant, request, decision, auditPolicy, trusted, sequence, previous);
        }

        try
        {
            var receipt = await _audit.AppendAsync(build);
            if (_recent.TryGet(decision.RequestId, out var remembered) && ReferenceEquals(remembered.Decision, decision))
            {
                remembered.AuditId = receipt.RecordId;
            }

            return decision with { AuditId = receipt.RecordId };
        }
        catch (AuditUnavailableException ex)
        {
            LogErrorAuditFailed(logger, ex, _agentId, decision.RequestId);
            return Decision.Deny(decision.RequestId, ReasonCode.AuditUnavailable, "The decision could not be recorded in the audit trail, so it is denied (fail closed). Retry; if it persists, an operator should check the audit store.", decision.DecidedAt);
        }
    }

    public async Task<DelegationVerdict> CheckDelegation(DelegationCheck check)
    {
        var registration = state.State.Registration;
        if (state.State.Status != AgentStatus.Active || registration is null)
        {
            var why = state.State.Status == AgentStatus.Unregistered ? "is not registered" : $"is {state.State.Status.ToString().ToLowerInvariant()}";
            return ParentDeny(ReasonCode.ParentDenied, $"Parent agent '{_agentId}' {why}.");
        }

        if (check.CredentialId is { } credential && !registration.Credentials.Contains(credential))
        {
            return ParentDeny(ReasonCode.CredentialUnknown, $"Parent agent '{_agentId}' does not hold credential '{credential}'.");
        }

        var gate = view.TenantGate(_tenant);
        var policy = await policies.GetAsync(_tenant, gate.PolicyVersion);
        var target = TargetCanonicalizer.Canonicalize(check.Target, policy.Compiled.IsNetworkTool(check.Tool));
        if (target.Problem != TargetProblem.None)
        {
            return ParentDeny(ReasonCode.ParentDenied, $"Parent agent '{_agentId}' cannot read the target: {target.ProblemMessage}.");
        }

        var input = Input(registration, check.Tool, check.Operation, target, check.Workflow, check.DataLabels, check.Attributes, check.Evidence,
            check.CredentialId, null, check.SessionId, new SessionMemory.Session(check.SessionLabels, check.SessionActions), clock.UtcNow);
        var outcome = PolicyDecider.Decide(policy.Compiled, input, (DestinationCategory)check.BlockedDestinations);
        if (outcome.Effect == RuleEffect.Deny)
        {
            var message = outcome.Rule is { } rule
                ? $"Parent agent '{_agentId}' is denied this by rule '{rule.Id}' ({Describe(outcome.Reason)})."
                : $"No rule allows parent agent '{_agentId}' to do this.";
            return ParentDeny(ReasonCode.ParentDenied, message) with { RuleId = outcome.Rule?.Id };
        }

        var own = new DelegationVerdict
        {
            Effect = outcome.Effect == RuleEffect.RequireApproval ? Effect.RequireApproval : Effect.Allow,
            Reason = ReasonCode.Policy,
            Message = "allowed for the parent",
            RuleId = outcome.Rule?.Id,
            Approval = outcome.Rule is { } r ? policy.ApprovalFor(r) : null,
        };

        if (registration.ParentAgentId is not { } grandparent)
        {
            return own;
        }

        if (check.Depth >= MaxDelegationDepth)
        {
            return ParentDeny(ReasonCode.ParentDenied, $"The chain of parent agents is deeper than {MaxDelegationDepth}.");
        }

        var above = await GrainFactory.GetGrain<IAgentGrain>(grandparent).CheckDelegation(check with { Depth = check.Depth + 1 });
        return above.Effect == Effect.Deny || (above.Effect == Effect.RequireApproval && own.Effect == Effect.Allow) ? above : own;
    }

    // The token is hashed and compared once; afterwards the same token string is compared in constant time directly.
    private bool IsAuthentic(string? token)
    {
        if (_verifiedToken is { } known && token is not null && known.Length == token.Length
            && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(known.AsSpan()), MemoryMarshal.AsBytes(token.AsSpan())))
        {
            return true;
        }

        if (!AgentTokens.Matches(token, state.State.TokenHash))
        {
            return false;
        }

        _verifiedToken = token;
        return true;
    }

    private static DelegationVerdict ParentDeny(ReasonCode reason, string message) =>
        new() { Effect = Effect.Deny, Reason = reason, Message = message };

    private async Task<Decision> DecideCore(ActionRequest request, DateTimeOffset now)
    {
        var s = state.State;
        if (!_validKey || s.Status == AgentStatus.Unregistered || s.Registration is not { } registration)
        {
            return Deny(request, ReasonCode.UnknownAgent, $"No agent '{request.AgentId}' is registered.", now);
        }

        // Authenticate before looking at anything else, so an unauthenticated caller learns nothing about the request.
        if (!IsAuthentic(request.AgentToken))
        {
            return Deny(request, ReasonCode.BadToken, "The agent token is missing or wrong.", now);
        }

        if (RequestValidator.Validate(request, _agentId) is { } problem)
        {
            return Deny(request, ReasonCode.BadRequest, "The request is malformed: " + problem + ".", now);
        }

        // The digest (SHA-256 over the whole request) is needed only to compare with a remembered request or to bind an
        // approval; most decisions need neither.
        string? digest = null;
        string Digest() => digest ??= RequestDigest.Compute(request);
        Decision? cached = null;
        if (_recent.TryGet(request.RequestId, out var previous))
        {
            if (!string.Equals(previous.Digest, Digest(), StringComparison.Ordinal))
            {
                return Deny(request, ReasonCode.RequestIdReused, $"Request id '{request.RequestId}' was already used for a different request; use a new id.", now);
            }

            cached = previous.Decision;
        }

        // Fleet, tenant, agent and credential state come from this silo's control-plane view: memory, not grain calls.
        if (!view.Loaded.IsCompleted)
        {
            // A silo that just joined: its view is a single round trip away. Waiting beats denying every first call.
            await view.Loaded.WaitAsync(ViewLoadWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        if (!view.Loaded.IsCompleted || (!view.IsCurrent() && (request.CredentialId is not null || _staleDenies == StaleViewPolicy.AllActions)))
        {
            return Deny(request, ReasonCode.ControlPlaneStale, view.Loaded.IsCompleted
                ? $"This silo could not confirm its control-plane view within its {view.Lease.TotalSeconds:0.###} s lease, so it denies (fail closed) until it can."
                : "This silo has not loaded the control-plane view yet, so it denies (fail closed).", now);
        }

        var agentStatus = s.Status;
        var agentReason = s.StatusReason;
        if (agentStatus == AgentStatus.Active && view.TryGetAgent(_agentId, out var agentGate))
        {
            // The fleet-wide record, too: it holds even for a second activation of this agent during a partition.
            (agentStatus, agentReason) = (agentGate.Status, agentGate.Reason);
        }

        if (agentStatus != AgentStatus.Active)
        {
            var reason = agentStatus == AgentStatus.Paused ? ReasonCode.AgentPaused : ReasonCode.AgentQuarantined;
            return Deny(request, reason, $"Agent '{_agentId}' is {agentStatus.ToString().ToLowerInvariant()}" + (agentReason is null ? "." : $": {agentReason}."), now);
        }

        if (view.Fleet is { EmergencyStop: true } fleet)
        {
            return Deny(request, ReasonCode.EmergencyStop, "The fleet-wide emergency stop is engaged" + (fleet.Reason is null ? "." : $": {fleet.Reason}."), now);
        }

        var gate = view.TenantGate(_tenant);
        if (gate.Paused)
        {
            return Deny(request, ReasonCode.TenantPaused, $"Tenant '{_tenant}' is paused.", now);
        }

        // The target is read once, here: scopes, rules, conditions, the guard and approvals all see this one reading.
        var policy = await policies.GetAsync(_tenant, gate.PolicyVersion);
        var target = TargetCanonicalizer.Canonicalize(request.Target, policy.Compiled.IsNetworkTool(request.Tool));
        if (target.Problem != TargetProblem.None)
        {
            return target.Problem == TargetProblem.Ambiguous
                ? Deny(request, ReasonCode.TargetAmbiguous, $"The target is ambiguous, so it is denied: {target.ProblemMessage}. Send it in its plain form.", now)
                : Deny(request, ReasonCode.TargetMalformed, $"The target is malformed, so it is denied: {target.ProblemMessage}.", now);
        }

        long? credentialVersion = null;
        if (request.CredentialId is { } credentialId)
        {
            if (!registration.Credentials.Contains(credentialId))
            {
                return Deny(request, ReasonCode.CredentialUnknown, $"Credential '{credentialId}' is not granted to agent '{_agentId}'.", now);
            }

            if (!view.TryGetCredential(credentialId, out var credential))
            {
                return Deny(request, ReasonCode.CredentialUnknown, $"Credential '{credentialId}' was never issued.", now);
            }

            var check = credential.Check(request.Tool, request.Operation, target.Value, now);
            credentialVersion = credential.Snapshot.Version;
            if (CredentialDenial(check) is { } credentialReason)
            {
                return Deny(request, credentialReason, CredentialMessage(credentialId, check), now) with { CredentialVersion = credentialVersion };
            }
        }

        var outcome = new Outcome(request, now, policy.Version, credentialVersion);
        var session = _sessions.Get(request.SessionId);
        var input = Input(registration, request.Tool, request.Operation, target, request.Workflow, request.DataLabels, request.Attributes, request.Evidence,
            request.CredentialId, credentialVersion, request.SessionId, session, now);

        // The guard can only turn an allow or require-approval into a deny, so a request the rules deny anyway costs no
        // name resolution. Otherwise every address is checked before the rule's answer stands.
        var decided = PolicyDecider.Decide(policy.Compiled, input, DestinationCategory.None);
        var guard = NotNetwork;
        if (decided.Effect != RuleEffect.Deny && target.NeedsGuard)
        {
            guard = await guardian.CheckAsync(target);
            if (guard.Problem is { } guardProblem)
            {
                return outcome.Deny(ReasonCode.DestinationBlocked, $"The destination could not be checked, so it is denied: {guardProblem}.", decided.Rule?.Id);
            }

            if (guard.Blocked != DestinationCategory.None)
            {
                decided = PolicyDecider.Decide(policy.Compiled, input, guard.Blocked);
            }
        }

        if (gate.ShadowVersion != 0 && gate.ShadowVersion != gate.PolicyVersion)
        {
            await CompareWithShadowAsync(gate.ShadowVersion, request, input, guard.Blocked, decided, now);
        }

        if (decided.Effect == RuleEffect.Deny)
        {
            return PolicyDeny(outcome, decided);
        }

        var rule = decided.Rule!;
        var effect = decided.Effect == RuleEffect.RequireApproval ? Effect.RequireApproval : Effect.Allow;
        var approvalPolicy = policy.ApprovalFor(rule);
        var ruleId = rule.Id;
        var ruleDescription = rule.Description;
        if (registration.ParentAgentId is { } parentId)
        {
            var parent = await GrainFactory.GetGrain<IAgentGrain>(parentId).CheckDelegation(new DelegationCheck
            {
                ChildAgentId = _agentId,
                Tool = request.Tool,
                Operation = request.Operation,
                Target = request.Target,
                CredentialId = request.CredentialId,
                Workflow = request.Workflow,
                DataLabels = request.DataLabels,
                Attributes = request.Attributes ?? ImmutableDictionary<string, string>.Empty,
                Evidence = request.Evidence ?? ImmutableDictionary<string, string>.Empty,
                SessionId = request.SessionId,
                SessionLabels = session.Labels,
                SessionActions = session.Actions,
                BlockedDestinations = (int)guard.Blocked,
            });
            if (parent.Effect == Effect.Deny)
            {
                return outcome.Deny(ReasonCode.ParentDenied, "A sub-agent may not do what its parent may not: " + parent.Message, parent.RuleId);
            }

            if (parent.Effect == Effect.RequireApproval && effect == Effect.Allow)
            {
                // The parent's rule asks; its description is in the parent's policy, not shown as this agent's.
                (effect, approvalPolicy, ruleId, ruleDescription) = (Effect.RequireApproval, parent.Approval, parent.RuleId, null);
            }
        }

        if (cached is not null && IsReplayOf(cached, request, effect, outcome))
        {
            return cached.Effect == Effect.Allow ? cached with { Replayed = true } : cached;
        }

        var addresses = guard.CheckedAddresses.IsDefaultOrEmpty ? [] : guard.CheckedAddresses.Select(a => a.ToString()).ToImmutableArray();
        if (effect == Effect.RequireApproval)
        {
            return request.ApprovalId is null
                ? await OpenApprovalAsync(outcome, Digest(), new ApprovalAsk(ruleId, ruleDescription, approvalPolicy, addresses, session.Labels))
                : await ConsumeApprovalAsync(outcome, registration, Digest(), ruleId, addresses);
        }

        var limits = new AgentRateLimiter.Limits(registration, request.Tool, rule.Id, policy.PerAgentLimit(rule), policy.PerAgentToolLimit(rule));
        if (_rateLimiter.Peek(limits, now) is { } wait)
        {
            return outcome.RateLimited(wait, ruleId);
        }

        if (request.CredentialId is { } limitedCredential && policy.PerCredentialLimit(rule) is { } credentialLimit
            && await credentialLimits.TryAcquireAsync(limitedCredential, rule.Id, credentialLimit, now) is { } credentialWait)
        {
            return outcome.RateLimited(credentialWait, ruleId);
        }

        _rateLimiter.TryAcquire(limits, now);
        _sessions.RecordAllowed(request.SessionId, request.DataLabels);
        var allowed = outcome.Allow(policy.AllowMessage(rule), ruleId, approvalId: null);
        return Remember(request, digest, addresses.IsEmpty ? allowed : allowed with { ResolvedAddresses = addresses });
    }

    private PolicyInput Input(
        AgentRegistration registration, string tool, string operation, CanonicalTarget target, string? workflow, ImmutableArray<string> labels,
        ImmutableDictionary<string, string>? attributes, ImmutableDictionary<string, string>? evidence, string? credentialId, long? credentialVersion,
        string? sessionId, SessionMemory.Session session, DateTimeOffset now)
    {
        return new PolicyInput
        {
            Tool = tool,
            Operation = operation,
            Target = target.Value,
            TargetHost = target.Host,
            TargetIp = target.Address?.ToString(),
            TargetPort = target.Port,
            TargetPath = target.Path,
            TargetScheme = target.Scheme,
            Workflow = workflow,
            SessionId = sessionId,
            Labels = labels,
            Attributes = attributes,
            Evidence = evidence,
            AgentId = _agentId,
            Tenant = _tenant,
            Roles = registration.Roles,
            ParentAgentId = registration.ParentAgentId,
            Owner = registration.Owner,
            CredentialId = credentialId,
            CredentialVersion = credentialVersion,
            SessionLabels = session.Labels,
            SessionActions = session.Actions,
            Now = now,
        };
    }

    private async Task CompareWithShadowAsync(long shadowVersion, ActionRequest request, PolicyInput input, DestinationCategory blocked, PolicyOutcome active, DateTimeOffset now)
    {
        var shadow = await policies.GetAsync(_tenant, shadowVersion);
        var candidate = PolicyDecider.Decide(shadow.Compiled, input, blocked);
        if (candidate.Effect == active.Effect && candidate.Reason == active.Reason)
        {
            return;
        }

        // One-way: the report never slows the decision down, and never changes it.
        _ = GrainFactory.GetGrain<IShadowReportGrain>(_tenant).Record(new ShadowDifference
        {
            ShadowVersion = shadowVersion,
            RequestId = request.RequestId,
            AgentId = _agentId,
            Tool = request.Tool,
            Operation = request.Operation,
            Target = request.Target,
            ActiveEffect = ToEffect(active.Effect),
            ActiveRule = active.Rule?.Id,
            ShadowEffect = ToEffect(candidate.Effect),
            ShadowRule = candidate.Rule?.Id,
            At = now,
        });
    }

    private static Effect ToEffect(RuleEffect effect) => effect switch
    {
        RuleEffect.Allow => Effect.Allow,
        RuleEffect.RequireApproval => Effect.RequireApproval,
        _ => Effect.Deny,
    };

    private static Decision PolicyDeny(Outcome outcome, PolicyOutcome decided) => decided.Reason switch
    {
        PolicyReason.Default => outcome.Deny(ReasonCode.Default, "No policy rule allows this action (default deny).", null),
        PolicyReason.EvidenceMissing => outcome.Deny(ReasonCode.EvidenceMissing, $"Rule '{decided.Rule!.Id}' allows this only with evidence: {string.Join(", ", decided.MissingEvidence)}.", decided.Rule.Id) with { MissingEvidence = decided.MissingEvidence },
        PolicyReason.DestinationBlocked => outcome.Deny(ReasonCode.DestinationBlocked, $"The target is a blocked destination ({decided.Blocked}) that rule '{decided.Rule!.Id}' does not open.", decided.Rule.Id),
        _ => outcome.Deny(ReasonCode.Policy, $"Denied by policy rule '{decided.Rule!.Id}'.", decided.Rule.Id),
    };

    private static string Describe(PolicyReason reason) => reason switch
    {
        PolicyReason.EvidenceMissing => "evidence missing",
        PolicyReason.DestinationBlocked => "blocked destination",
        PolicyReason.Default => "no rule allows it",
        _ => "denied",
    };

    // A retried request is answered from memory only if the mesh would still decide the same way now: every gate above
    // ran again, so a pause or a revocation since the first answer wins over the cache. An allow is repeated only under
    // the same policy and credential versions and within the replay window, so an approval-consuming allow never
    // outlives a change and is not a standing permission.
    private static bool IsReplayOf(Decision cached, ActionRequest request, Effect effect, Outcome now) => cached.Effect switch
    {
        Effect.Allow => (effect == Effect.Allow || (request.ApprovalId is not null && request.ApprovalId == cached.ApprovalId))
            && cached.PolicyVersion == now.PolicyVersion
            && cached.CredentialVersion == now.CredentialVersion
            && now.Now - cached.DecidedAt <= ReplayWindow,
        Effect.RequireApproval => effect == Effect.RequireApproval && request.ApprovalId is null,
        _ => false,
    };

    private async Task<Decision> OpenApprovalAsync(Outcome outcome, string digest, ApprovalAsk ask)
    {
        var request = outcome.Request;
        var (ruleId, approvalPolicy) = (ask.RuleId, ask.Policy);
        if (approvalPolicy is null)
        {
            return outcome.Deny(ReasonCode.Policy, $"Rule '{ruleId}' requires approval but names no approvers, so the action is denied.", ruleId);
        }

        var approvalId = ApprovalIds.For(_tenant, _agentId, request.RequestId);
        using var span = MeshMetrics.StartApproval(MeshTelemetry.ApprovalOpenActivity, approvalId);
        try
        {
            await GrainFactory.GetGrain<IApprovalGrain>(approvalId).Open(new ApprovalOpening
            {
                Subject = new ApprovalSubject
                {
                    AgentId = _agentId,
                    AgentOwner = state.State.Registration?.Owner,
                    RequestId = request.RequestId,
                    Tool = request.Tool,
                    Operation = request.Operation,
                    Target = request.Target,
                    CredentialId = request.CredentialId,
                    DataLabels = request.DataLabels,
                    Workflow = request.Workflow,
                    SessionId = request.SessionId,
                    Attributes = request.Attributes ?? ImmutableDictionary<string, string>.Empty,
                    Arguments = request.Arguments,
                    ArgumentsDigest = request.ArgumentsDigest ?? (request.Arguments is { } text ? RequestValidator.DigestOf(text) : null),
                    RuleId = ruleId,
                    ResolvedAddresses = ask.ResolvedAddresses,
                    SessionLabels = ask.SessionLabels.IsDefault ? [] : ask.SessionLabels,
                    RuleDescription = ask.RuleDescription,
                },
                RequestDigest = digest,
                PolicyVersion = outcome.PolicyVersion,
                Policy = approvalPolicy,
            });
        }
        catch (MeshException ex) when (ex.Code == MeshErrorCode.Conflict)
        {
            return outcome.Deny(ReasonCode.RequestIdReused, $"Request id '{request.RequestId}' already opened an approval for a different request; use a new id.", ruleId);
        }

        var decision = outcome.Decide(Effect.RequireApproval, ReasonCode.Policy, $"Rule '{ruleId}' requires human approval. Wait for approval '{approvalId}', then re-send the request with its approval id.", ruleId) with { ApprovalId = approvalId };
        return Remember(request, digest, decision);
    }

    private async Task<Decision> ConsumeApprovalAsync(Outcome outcome, AgentRegistration registration, string digest, string? ruleId, ImmutableArray<string> addresses)
    {
        var request = outcome.Request;
        var approvalId = request.ApprovalId!;
        if (MeshKey.TenantOf(approvalId) != _tenant)
        {
            return outcome.Deny(ReasonCode.ApprovalMismatch, $"Approval '{approvalId}' does not belong to this tenant.", ruleId);
        }

        // Check the rate limits first so a limited request does not burn its single-use approval.
        var limits = new AgentRateLimiter.Limits(registration, request.Tool, null, null, null);
        if (_rateLimiter.Peek(limits, outcome.Now) is { } wait)
        {
            return outcome.RateLimited(wait, ruleId);
        }

        using var span = MeshMetrics.StartApproval(MeshTelemetry.ApprovalConsumeActivity, approvalId);
        var result = await GrainFactory.GetGrain<IApprovalGrain>(approvalId).Consume(_agentId, digest, outcome.PolicyVersion);
        if (result == ApprovalConsumeResult.Consumed)
        {
            _rateLimiter.TryAcquire(limits, outcome.Now);
            _sessions.RecordAllowed(request.SessionId, request.DataLabels);
            return Remember(request, digest, outcome.Allow($"Allowed: approval '{approvalId}' was granted.", ruleId, approvalId) with { ResolvedAddresses = addresses });
        }

        return result switch
        {
            ApprovalConsumeResult.Pending => outcome.Deny(ReasonCode.ApprovalPending, $"Approval '{approvalId}' is still pending.", ruleId) with { ApprovalId = approvalId },
            ApprovalConsumeResult.Denied => outcome.Deny(ReasonCode.ApprovalDenied, $"Approval '{approvalId}' was denied.", ruleId) with { ApprovalId = approvalId },
            ApprovalConsumeResult.Expired => outcome.Deny(ReasonCode.ApprovalExpired, $"Approval '{approvalId}' expired.", ruleId) with { ApprovalId = approvalId },
            ApprovalConsumeResult.AlreadyConsumed => outcome.Deny(ReasonCode.ApprovalConsumed, $"Approval '{approvalId}' was already used; approvals are single use.", ruleId) with { ApprovalId = approvalId },
            ApprovalConsumeResult.Unknown => outcome.Deny(ReasonCode.ApprovalMismatch, $"No approval '{approvalId}' exists.", ruleId),
            _ => outcome.Deny(ReasonCode.ApprovalMismatch, $"Approval '{approvalId}' was granted for a different request, agent or policy version.", ruleId),
        };
    }

    private Decision Remember(ActionRequest request, string? digest, Decision decision)
    {
        _recent.Remember(request.RequestId, request, digest, decision);
        return decision;
    }

    // Every answer of Decide passes here, exactly once.
    private Decision Count(Decision decision, in DecisionProbe probe)
    {
        switch (decision.Effect)
        {
            case Effect.Allow:
                _allowed++;
                break;
            case Effect.RequireApproval:
                _approvalsRequested++;
                break;
            default:
                _denied++;
                break;
        }

        metrics.EndDecision(probe, decision);
        return decision;
    }

    private static Decision Deny(ActionRequest request, ReasonCode reason, string message, DateTimeOffset now) =>
        Decision.Deny(request.RequestId ?? string.Empty, reason, message, now);

    private static ReasonCode? CredentialDenial(CredentialCheckOutcome outcome) => outcome switch
    {
        CredentialCheckOutcome.Usable => null,
        CredentialCheckOutcome.Revoked => ReasonCode.CredentialRevoked,
        CredentialCheckOutcome.Suspended => ReasonCode.CredentialSuspended,
        CredentialCheckOutcome.Expired => ReasonCode.CredentialExpired,
        CredentialCheckOutcome.OutOfScope => ReasonCode.OutOfScope,
        _ => ReasonCode.CredentialUnknown,
    };

    private static string CredentialMessage(string credentialId, CredentialCheckOutcome outcome) => outcome switch
    {
        CredentialCheckOutcome.Revoked => $"Credential '{credentialId}' was revoked.",
        CredentialCheckOutcome.Suspended => $"Credential '{credentialId}' is suspended.",
        CredentialCheckOutcome.Expired => $"Credential '{credentialId}' has expired.",
        CredentialCheckOutcome.OutOfScope => $"Credential '{credentialId}' does not cover this tool, operation and target.",
        _ => $"Credential '{credentialId}' was never issued.",
    };

    /// <summary>Who asks for approval and what the approver is shown besides the request itself.</summary>
    private readonly record struct ApprovalAsk(string? RuleId, string? RuleDescription, ApprovalPolicy? Policy, ImmutableArray<string> ResolvedAddresses, ImmutableArray<string> SessionLabels);

    /// <summary>What every decision for one request shares, so each outcome is built in one line.</summary>
    private readonly record struct Outcome(ActionRequest Request, DateTimeOffset Now, long PolicyVersion, long? CredentialVersion)
    {
        public Decision Decide(Effect effect, ReasonCode reason, string message, string? ruleId) => new()
        {
            RequestId = Request.RequestId,
            Effect = effect,
            Reason = reason,
            Message = message,
            RuleId = ruleId,
            PolicyVersion = PolicyVersion,
            CredentialVersion = CredentialVersion,
            DecidedAt = Now,
        };

        public Decision Deny(ReasonCode reason, string message, string? ruleId) => Decide(Effect.Deny, reason, message, ruleId);

        public Decision Allow(string message, string? ruleId, string? approvalId) =>
            Decide(Effect.Allow, ReasonCode.Policy, message, ruleId) with { ApprovalId = approvalId };

        public Decision RateLimited(TimeSpan retryAfter, string? ruleId) =>
            Decide(Effect.Deny, ReasonCode.RateLimited, $"Rate limit reached; retry after {retryAfter.TotalSeconds:0.###} s.", ruleId) with { RetryAfter = retryAfter };
    }
}
