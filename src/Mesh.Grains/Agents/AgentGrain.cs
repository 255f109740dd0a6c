using System.Collections.Immutable;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Audit;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Diagnostics;
using Mesh.Grains.Hosting;
using Mesh.Grains.Policies;
using Mesh.Grains.RateLimiting;
using Mesh.Grains.Sessions;
using Mesh.Grains.Tenants;
using Mesh.Policy.Destinations;
using Mesh.Policy.Identities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.Agents;

/// <summary>
/// One agent: registration, token, status, and every decision it asks for. The decision path is in
/// <c>AgentGrain.Decide.cs</c>; this file holds the operator side and the runtime calls around it.
/// </summary>
internal sealed partial class AgentGrain(
    [PersistentState("agent", MeshStorage.ProviderName)] IPersistentState<AgentState> state,
    PolicyCache policies,
    DestinationGuard guardian,
    SiloControlView view,
    CredentialLimits credentialLimits,
    ControlBroadcast broadcast,
    MeshMetrics metrics,
    AuditWriter auditWriter,
    IOptions<MeshGrainOptions> options,
    MeshClock clock,
    ILogger<AgentGrain> logger) : Grain, IAgentGrain
{
    private readonly StaleViewPolicy _staleDenies = options.Value.StaleDenies;
    private const int MaxRoles = 64;
    private const int MaxCredentials = 256;
    private const int MaxDelegationDepth = 8;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    private readonly RecentDecisions _recent = new();
    private readonly AgentRateLimiter _rateLimiter = new();
    private readonly SessionMemory _sessions = new();
    private AuditChain _audit = null!;
    private string? _verifiedToken;
    private long _unauthenticatedRefusals;
    private DateTimeOffset? _lastUnauthenticatedRecord;
    private string _agentId = string.Empty;
    private string _tenant = string.Empty;
    private bool _validKey;
    private long _allowed;
    private long _denied;
    private long _approvalsRequested;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _agentId = this.GetPrimaryKeyString();
        _validKey = MeshKey.TryParse(_agentId, out _tenant, out _);
        _audit = new AuditChain(_agentId, auditWriter);
        return Task.CompletedTask;
    }

    public async Task<AgentTokenReceipt> Register(AgentRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        MeshException.ThrowIfInvalid(_validKey, $"'{_agentId}' is not a valid agent id; use tenant/name.");
        if (state.State.Status != AgentStatus.Unregistered)
        {
            throw new MeshException(MeshErrorCode.AlreadyExists, $"Agent '{_agentId}' is already registered; rotate its token or pause it instead.");
        }

        registration = Normalize(registration);
        await ValidateAsync(registration);
        await ValidateCredentialsIssuedAsync(registration);

        // Index first: an indexed agent whose registration did not complete lists as unregistered, never goes missing.
        await TenantRegistry.RegisterAsync(GrainFactory, _tenant);
        await GrainFactory.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyFor(_tenant, ITenantIndexGrain.Agents, _agentId)).Add(_agentId);
        var (token, hash) = AgentTokens.Issue();
        var now = clock.UtcNow;
        state.State.RegisteredBy = OperatorActor.Current;
        state.State.Status = AgentStatus.Active;
        state.State.Registration = registration;
        state.State.TokenHash = hash;
        state.State.RegisteredAt = now;
        state.State.TokenIssuedAt = now;
        await state.WriteOrDiscardAsync(GrainContext);
        LogInformationRegistered(logger, _agentId);
        return new AgentTokenReceipt { AgentId = _agentId, Token = token, IssuedAt = now };
    }

    public async Task<AgentTokenReceipt> RotateToken()
    {
        EnsureRegistered();
        var (token, hash) = AgentTokens.Issue();
        var now = clock.UtcNow;
        _verifiedToken = null;
        state.State.TokenHash = hash;
        state.State.TokenIssuedAt = now;
        await state.WriteOrDiscardAsync(GrainContext);
        return new AgentTokenReceipt { AgentId = _agentId, Token = token, IssuedAt = now };
    }

    public Task<AgentInfo> Pause(string? reason) => SetStatus(AgentStatus.Paused, reason);

    public Task<AgentInfo> Quarantine(string? reason) => SetStatus(AgentStatus.Quarantined, reason);

    public Task<AgentInfo> Resume() => SetStatus(AgentStatus.Active, null);

    public Task<AgentInfo> GetInfo() => Task.FromResult(BuildInfo());

    public async Task<OutcomeReceipt> ReportOutcome(OutcomeReport report)
    {
        var now = clock.UtcNow;
        if (report is null || state.State.Status == AgentStatus.Unregistered || !AgentTokens.Matches(report.AgentToken, state.State.TokenHash))
        {
            return new OutcomeReceipt { Accepted = false, Error = OutcomeReceipt.UnauthenticatedError, ReceivedAt = now };
        }

        if (!string.Equals(report.AgentId, _agentId, StringComparison.Ordinal) || string.IsNullOrEmpty(report.RequestId)
            || report.RequestId.Length > Contracts.Decisions.RequestLimits.MaxRequestIdLength
            || report.Changes?.Length > 8192 || report.UndoHandle?.Length > 1024 || report.Error?.Length > 8192)
        {
            return new OutcomeReceipt { Accepted = false, Error = "malformed report: check agentId, requestId and field sizes", ReceivedAt = now };
        }

        if (!_audit.Enabled)
        {
            return new OutcomeReceipt { Accepted = true, ReceivedAt = now };
        }

        // Linked to the decision it reports on when this activation still remembers it (recent allows); the request id
        // links it in any case.
        var decisionId = _recent.TryGet(report.RequestId, out var decided) ? decided.AuditId : null;
        try
        {
            var receipt = await _audit.AppendAsync((sequence, previous) => AuditRecords.Outcome(_agentId, _tenant, report, decisionId, now, sequence, previous));
            return new OutcomeReceipt { Accepted = true, ReceivedAt = now, AuditId = receipt.RecordId };
        }
        catch (AuditUnavailableException ex)
        {
            LogErrorAuditFailed(logger, ex, _agentId, report.RequestId);
            return new OutcomeReceipt { Accepted = false, Error = "the outcome could not be recorded (audit store unavailable); report it again", ReceivedAt = now };
        }
    }

    public async Task<ApprovalWaitResult> WaitForApproval(string agentToken, string approvalId, TimeSpan maxWait)
    {
        if (state.State.Status == AgentStatus.Unregistered || !AgentTokens.Matches(agentToken, state.State.TokenHash))
        {
            throw new MeshException(MeshErrorCode.AccessDenied, "Unknown agent or bad token.");
        }

        if (MeshKey.TenantOf(approvalId) != _tenant)
        {
            throw new MeshException(MeshErrorCode.NotFound, $"Approval '{approvalId}' does not belong to this agent.");
        }

        var approval = GrainFactory.GetGrain<IApprovalGrain>(approvalId);
        var view = await approval.Get();
        if (view.Status == ApprovalStatus.Unknown || !string.Equals(view.Subject?.AgentId, _agentId, StringComparison.Ordinal))
        {
            throw new MeshException(MeshErrorCode.NotFound, $"Approval '{approvalId}' does not belong to this agent.");
        }

        if (view.Status == ApprovalStatus.Pending && maxWait > TimeSpan.Zero)
        {
            view = await approval.Watch(view.Revision, maxWait < MaxWait ? maxWait : MaxWait);
        }

        var decidingComment = view.Votes.IsDefaultOrEmpty ? null : view.Votes[^1].Comment;
        return new ApprovalWaitResult
        {
            ApprovalId = approvalId,
            Status = view.Status,
            TimedOut = view.Status == ApprovalStatus.Pending,
            Comment = decidingComment,
        };
    }

    private async Task<AgentInfo> SetStatus(AgentStatus status, string? reason)
    {
        EnsureRegistered();
        var changed = state.State.Status != status || state.State.StatusReason != reason;
        if (changed)
        {
            state.State.Status = status;
            state.State.StatusReason = Text.Truncate(reason, 512);
            state.State.StatusChangedBy = OperatorActor.Current;
            state.State.ControlRevision++;
        }

        // Recorded fleet-wide as well, so the pause holds on every silo, even for a second activation of this agent
        // during a partition; pushed also when nothing changed, which re-confirms it and answers with a receipt.
        var gate = new AgentGate { AgentId = _agentId, Status = status, Reason = state.State.StatusReason, Revision = state.State.ControlRevision };
        var receipt = await broadcast.PublishAsync(state, GrainContext, new ControlChange { Agent = gate });
        if (changed)
        {
            LogInformationStatusChanged(logger, _agentId, status);
        }

        return BuildInfo() with { Receipt = receipt };
    }

    private void EnsureRegistered()
    {
        if (state.State.Status == AgentStatus.Unregistered)
        {
            throw new MeshException(MeshErrorCode.NotFound, $"No agent '{_agentId}' is registered.");
        }
    }

    private static AgentRegistration Normalize(AgentRegistration registration) => registration with
    {
        Roles = registration.Roles.IsDefault ? [] : registration.Roles.Distinct(StringComparer.Ordinal).ToImmutableArray(),
        Credentials = registration.Credentials.IsDefault ? [] : registration.Credentials.Distinct(StringComparer.Ordinal).ToImmutableArray(),
        ToolRateLimits = registration.ToolRateLimits ?? ImmutableDictionary<string, Contracts.Agents.RateLimit>.Empty,
    };

    private async Task ValidateAsync(AgentRegistration registration)
    {
        MeshException.ThrowIfInvalid(registration.Roles.Length <= MaxRoles, $"An agent may hold at most {MaxRoles} roles.");
        MeshException.ThrowIfInvalid(registration.Roles.All(r => MeshKey.IsValidName(r)), "Each role must be 1-128 letters, digits, '.', '_' or '-'.");
        MeshException.ThrowIfInvalid(registration.Credentials.Length <= MaxCredentials, $"An agent may hold at most {MaxCredentials} credentials.");
        foreach (var credential in registration.Credentials)
        {
            MeshException.ThrowIfInvalid(MeshKey.TenantOf(credential) == _tenant, $"Credential '{credential}' must be an id of this agent's tenant ({_tenant}/name).");
        }

        MeshException.ThrowIfInvalid(registration.Owner is null || (registration.Owner.Length is > 0 and <= 256), "The owner must be 1-256 characters.");
        // The owner is compared with approvers by canonical identity (separation of duties): refuse a name that has none.
        MeshException.ThrowIfInvalid(registration.Owner is null || ApproverIdentity.TryCanonicalize(registration.Owner, out _, out _), "The owner must be a plain name (no invisible, control or bidi characters).");
        if (registration.RateLimit?.Validate() is { } limitError)
        {
            throw new MeshException(MeshErrorCode.InvalidArgument, $"Agent rate limit: {limitError}.");
        }

        MeshException.ThrowIfInvalid(registration.ToolRateLimits.Count <= 256, "At most 256 tool rate limits.");
        foreach (var (tool, limit) in registration.ToolRateLimits)
        {
            var toolError = limit is null ? "missing" : limit.Validate();
            MeshException.ThrowIfInvalid(toolError is null, $"Rate limit for tool '{tool}': {toolError}.");
        }

        if (registration.ParentAgentId is not { } parentId)
        {
            return;
        }

        MeshException.ThrowIfInvalid(MeshKey.TenantOf(parentId) == _tenant, "A parent agent must belong to the same tenant.");
        MeshException.ThrowIfInvalid(parentId != _agentId, "An agent cannot be its own parent.");
        var parent = await GrainFactory.GetGrain<IAgentGrain>(parentId).GetInfo();
        if (parent.Status == AgentStatus.Unregistered || parent.Registration is not { } parentRegistration)
        {
            throw new MeshException(MeshErrorCode.NotFound, $"Parent agent '{parentId}' is not registered.");
        }

        // A sub-agent can never hold more than its parent: every role and credential must be the parent's too.
        var extraRoles = registration.Roles.Except(parentRegistration.Roles, StringComparer.Ordinal).ToArray();
        MeshException.ThrowIfInvalid(extraRoles.Length == 0, $"A sub-agent cannot hold roles its parent lacks: {string.Join(", ", extraRoles)}.");
        var extraCredentials = registration.Credentials.Except(parentRegistration.Credentials, StringComparer.Ordinal).ToArray();
        MeshException.ThrowIfInvalid(extraCredentials.Length == 0, $"A sub-agent cannot hold credentials its parent lacks: {string.Join(", ", extraCredentials)}.");
    }

    /// <summary>
    /// Every credential granted must exist and be usable, so a misspelt or forgotten credential is refused here rather
    /// than surfacing later as a deny on every decision. Credentials still to be issued may be granted only on request
    /// (<see cref="AgentRegistration.AllowUnissuedCredentials"/>); a revoked or expired one never: it cannot become usable
    /// under that id (revoked), or only by a rotation the operator should do first (expired).
    /// </summary>
    private async Task ValidateCredentialsIssuedAsync(AgentRegistration registration)
    {
        if (registration.Credentials.IsEmpty)
        {
            return;
        }

        var infos = await Task.WhenAll(registration.Credentials.Select(id => GrainFactory.GetGrain<ICredentialGrain>(id).GetInfo()));
        var unissued = infos.Where(i => i.Status == CredentialStatus.Unknown).Select(i => i.CredentialId).ToArray();
        if (unissued.Length > 0 && !registration.AllowUnissuedCredentials)
        {
            var names = string.Join(", ", unissued.Select(id => $"'{id}'"));
            throw new MeshException(
                MeshErrorCode.NotFound,
                $"Credential {names} was never issued, so agent '{_agentId}' cannot be granted it. Issue it first "
                + $"(mesh credential issue {unissued[0]} --tool ...), or, to issue it after registering, register with "
                + "--credential-issued-later (HTTP: \"allowUnissuedCredentials\": true).");
        }

        foreach (var info in infos)
        {
            if (info.Status == CredentialStatus.Revoked)
            {
                throw new MeshException(
                    MeshErrorCode.InvalidState,
                    $"Credential '{info.CredentialId}' is revoked and can never be used again; issue a new credential and grant that instead.");
            }

            if (info.Expired)
            {
                throw new MeshException(
                    MeshErrorCode.InvalidState,
                    $"Credential '{info.CredentialId}' expired at {info.Spec?.ExpiresAt:O}; rotate it with a later expiresAt (POST /v1/credentials/{info.CredentialId}/rotate) or issue a new one before granting it.");
            }
        }
    }

    private AgentInfo BuildInfo() => new()
    {
        AgentId = _agentId,
        Status = state.State.Status,
        Registration = state.State.Registration,
        StatusReason = state.State.StatusReason,
        RegisteredAt = state.State.RegisteredAt,
        Allowed = _allowed,
        Denied = _denied,
        ApprovalsRequested = _approvalsRequested,
        RegisteredBy = state.State.RegisteredBy,
        StatusChangedBy = state.State.StatusChangedBy,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered agent {AgentId}")]
    private static partial void LogInformationRegistered(ILogger logger, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} is now {Status}")]
    private static partial void LogInformationStatusChanged(ILogger logger, string agentId, AgentStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit record of agent {AgentId}, request {RequestId} could not be written; the call fails closed")]
    private static partial void LogErrorAuditFailed(ILogger logger, Exception exception, string agentId, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Decision for agent {AgentId}, request {RequestId} failed; denied (fail closed)")]
    private static partial void LogErrorDecisionFailed(ILogger logger, Exception exception, string agentId, string requestId);
}
