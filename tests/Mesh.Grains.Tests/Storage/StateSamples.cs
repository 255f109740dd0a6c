using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Agents;
using Mesh.Grains.Approvals;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Credentials;
using Mesh.Grains.Fleet;
using Mesh.Grains.Tenants;
using Mesh.Grains.Tokens;

namespace Mesh.Grains.Tests.Storage;

/// <summary>
/// Two samples per state type. <see cref="Full"/>: every member, all the way down, differs from what a new instance
/// holds and every collection is non-empty, so a member the serializer dropped cannot go unnoticed. <see cref="Typical"/>:
/// sizes and contents like a live system's, for the size comparison. A new state type needs both.
/// </summary>
internal static class StateSamples
{
    // Sub-microsecond ticks and a non-zero offset: both must survive.
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.FromHours(2)).AddTicks(5358979);

    public static IReadOnlyDictionary<Type, Func<object>> Full { get; } = new Dictionary<Type, Func<object>>
    {
        [typeof(AgentState)] = () => new AgentState
        {
            Status = AgentStatus.Quarantined,
            Registration = Registration(),
            TokenHash = [1, 2, 3, 250, 0, 7],
            StatusReason = "exfiltration suspected",
            RegisteredAt = T0,
            TokenIssuedAt = T0.AddMinutes(1),
            RegisteredBy = "admin@acme",
            StatusChangedBy = "soc@acme",
            ControlRevision = 12,
        },
        [typeof(CredentialState)] = () => new CredentialState
        {
            Status = CredentialStatus.Suspended,
            Spec = Spec(),
            Version = 3,
            IssuedAt = T0,
            StatusChangedAt = T0.AddDays(1),
            StatusReason = "rotation pending",
            IssuedBy = "admin@acme",
            StatusChangedBy = "ops@acme",
            Revision = 9,
        },
        [typeof(ApprovalState)] = () => new ApprovalState
        {
            Status = ApprovalStatus.Granted,
            Subject = Subject(),
            RequestDigest = "sha256:" + new string('a', 64),
            PolicyVersion = 4,
            Policy = new ApprovalPolicy
            {
                Groups = ["finance", "treasury"],
                Quorum = 2,
                ExpiresAfter = TimeSpan.FromMinutes(90),
                EscalationGroups = ["cfo"],
                EscalateAfter = TimeSpan.FromMinutes(30),
                SeparationOfDuties = false,
                // Strings not used elsewhere in the sample: Orleans would write a repeated (interned) string as a reference.
                Members = ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("board", ["dana", "erin"]),
            },
            Votes = [new RecordedVote { ApproverId = "bob", Approve = true, Comment = "ok", At = T0.AddMinutes(3) }],
            OpenedAt = T0,
            Deadline = T0.AddMinutes(90),
            Consumed = true,
            Revision = 5,
            ClosedBy = "carol",
            CloseReason = "duplicate",
            EscalatedAt = T0.AddMinutes(30),
            ClosedAt = T0.AddMinutes(40),
            RemindersRetired = true,
        },
        [typeof(TenantState)] = () => new TenantState
        {
            Paused = true,
            PauseReason = "incident 42",
            PausedAt = T0,
            ActivePolicyVersion = 2,
            PolicyVersions = [new PolicyVersionRecord { Version = 2, Document = "apiVersion: mesh/v1\nrules: []\n", PublishedAt = T0, Rules = 1, PublishedBy = "admin@acme" }],
            PausedBy = "ops@acme",
            ShadowPolicyVersion = 3,
            Revision = 8,
        },
        [typeof(TenantIndexState)] = () => new TenantIndexState { Ids = new HashSet<string>(StringComparer.Ordinal) { "acme/bot-1", "acme/bot-2" } },
        [typeof(FleetState)] = () => new FleetState { Status = FleetStatus() },
        [typeof(ApiTokenState)] = () => new ApiTokenState { Info = TokenInfo("tok1"), SecretHash = [9, 8, 7] },
        [typeof(ApiTokenRegistryState)] = () => new ApiTokenRegistryState { TokenIds = ["tok1", "tok2"] },
        [typeof(ControlShardState)] = () => new ControlShardState
        {
            Entries = new Dictionary<string, ControlChange>(StringComparer.Ordinal)
            {
                // One entry with every part set: the serializer must carry all of them.
                ["everything"] = new ControlChange
                {
                    Fleet = FleetStatus(),
                    Tenant = "acme",
                    Gate = new TenantGate(true, 4, 5, 6),
                    Credential = new CredentialSnapshot { CredentialId = "acme/github", Status = CredentialStatus.Revoked, Version = 2, Spec = Spec(), Revision = 7 },
                    Agent = new AgentGate { AgentId = "acme/bot", Status = AgentStatus.Paused, Reason = "review", Revision = 3 },
                    Epoch = 99,
                },
            },
        },
    };

    public static IReadOnlyDictionary<Type, Func<object>> Typical { get; } = new Dictionary<Type, Func<object>>
    {
        [typeof(AgentState)] = () => new AgentState
        {
            Status = AgentStatus.Active,
            Registration = new AgentRegistration
            {
                Roles = ["coder"],
                Credentials = ["acme/github", "acme/npm"],
                Owner = "alice@acme.example",
                RateLimit = new RateLimit { Permits = 60, Per = TimeSpan.FromMinutes(1) },
                ToolRateLimits = ImmutableDictionary<string, RateLimit>.Empty.Add("git", new RateLimit { Permits = 10, Per = TimeSpan.FromMinutes(1), Burst = 20 }),
            },
            TokenHash = new byte[32],
            RegisteredAt = T0,
            TokenIssuedAt = T0,
            RegisteredBy = "admin@acme.example",
            ControlRevision = 1,
        },
        [typeof(CredentialState)] = () => new CredentialState
        {
            Status = CredentialStatus.Active,
            Spec = new CredentialSpec
            {
                Scopes = [new CredentialScope { Tools = ["git"], Operations = ["clone", "push"], Targets = ["github.com/acme/*"] }],
                ExpiresAt = T0.AddDays(90),
                Description = "CI pushes to acme repositories",
            },
            Version = 1,
            IssuedAt = T0,
            StatusChangedAt = T0,
            IssuedBy = "admin@acme.example",
            Revision = 1,
        },
        [typeof(ApprovalState)] = () => new ApprovalState
        {
            Status = ApprovalStatus.Pending,
            Subject = Subject() with { RuleId = "payments" },
            RequestDigest = Convert.ToHexStringLower(new byte[32]),
            PolicyVersion = 3,
            Policy = new ApprovalPolicy { Groups = ["finance"], Quorum = 2, EscalationGroups = ["cfo"], EscalateAfter = TimeSpan.FromMinutes(30) },
            Votes = [new RecordedVote { ApproverId = "bob@acme.example", Approve = true, Comment = "matches invoice 2026-0117", At = T0.AddMinutes(4) }],
            OpenedAt = T0,
            Deadline = T0.AddHours(1),
            Revision = 2,
        },
        [typeof(TenantState)] = () => new TenantState
        {
            ActivePolicyVersion = 3,
            PolicyVersions = [.. Enumerable.Range(1, 3).Select(v => new PolicyVersionRecord { Version = v, Document = PolicyDocument(v), PublishedAt = T0.AddDays(v), Rules = 6, PublishedBy = "admin@acme.example" })],
            Revision = 3,
        },
        [typeof(TenantIndexState)] = () => new TenantIndexState { Ids = new HashSet<string>(Enumerable.Range(0, 200).Select(i => $"acme/agent-{i:D4}"), StringComparer.Ordinal) },
        [typeof(FleetState)] = () => new FleetState { Status = new FleetStatus { EmergencyStop = false, ChangedBy = "admin@acme.example", ChangedAt = T0, Revision = 2 } },
        [typeof(ApiTokenState)] = () => new ApiTokenState { Info = TokenInfo("k3x9q2"), SecretHash = new byte[32] },
        [typeof(ApiTokenRegistryState)] = () => new ApiTokenRegistryState { TokenIds = [.. Enumerable.Range(0, 20).Select(i => $"tok{i:D3}")] },
        [typeof(ControlShardState)] = () => new ControlShardState { Entries = ShardEntries(25) },
    };

    private static AgentRegistration Registration() => new()
    {
        Roles = ["coder", "reviewer"],
        Credentials = ["acme/github"],
        ParentAgentId = "acme/lead",
        Owner = "alice",
        RateLimit = new RateLimit { Permits = 5, Per = TimeSpan.FromSeconds(10), Burst = 7 },
        ToolRateLimits = ImmutableDictionary<string, RateLimit>.Empty.Add("git", new RateLimit { Permits = 2, Per = TimeSpan.FromMinutes(1), Burst = 3 }),
        AllowUnissuedCredentials = true,
    };

    private static CredentialSpec Spec() => new()
    {
        Scopes = [new CredentialScope { Tools = ["git"], Operations = ["push"], Targets = ["github.com/acme/*"] }],
        ExpiresAt = T0.AddDays(30),
        Description = "deploy key",
    };

    private static ApprovalSubject Subject() => new()
    {
        AgentId = "acme/payments-bot",
        AgentOwner = "alice@acme.example",
        RequestId = "req-7f3a9c",
        Tool = "payments",
        Operation = "transfer",
        Target = "acct-42",
        CredentialId = "acme/bank",
        DataLabels = ["financial"],
        Workflow = "month-end",
        SessionId = "sess-19",
        Attributes = ImmutableDictionary<string, string>.Empty.Add("ticket", "FIN-1182").Add("region", "eu"),
        Arguments = """{"amount": 950, "currency": "EUR", "to": "DE89 3704 0044 0532 0130 00"}""",
        ArgumentsDigest = Convert.ToHexStringLower(new byte[32]),
        RuleId = "payments-over-500",
        ResolvedAddresses = ["203.0.113.7"],
        SessionLabels = ["pii"],
        RuleDescription = "Payments over 500 EUR need finance.",
    };

    private static FleetStatus FleetStatus() => new()
    {
        EmergencyStop = true,
        Reason = "drill",
        ChangedBy = "ciso",
        ChangedAt = T0,
        Revision = 4,
        Receipt = new FleetReceipt { Epoch = 17, SilosAcknowledged = 2, SilosLive = 3, Elapsed = TimeSpan.FromMilliseconds(12.5), Unconfirmed = ["10.0.0.3:11111"] },
    };

    private static ApiTokenInfo TokenInfo(string id) => new()
    {
        Id = id,
        Name = "ci-bot",
        Roles = [ApiRole.Operator, ApiRole.Approver],
        Groups = ["finance"],
        CreatedAt = T0,
        CreatedBy = "admin@acme.example",
        Revoked = true,
        RevokedAt = T0.AddDays(2),
    };

    private static Dictionary<string, ControlChange> ShardEntries(int count)
    {
        var entries = new Dictionary<string, ControlChange>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var change = (i % 3) switch
            {
                0 => new ControlChange { Credential = new CredentialSnapshot { CredentialId = $"acme/cred-{i}", Status = CredentialStatus.Active, Version = 1, Spec = Spec(), Revision = 2 } },
                1 => new ControlChange { Agent = new AgentGate { AgentId = $"acme/agent-{i}", Status = AgentStatus.Paused, Reason = "review", Revision = 1 } },
                _ => new ControlChange { Tenant = $"tenant-{i}", Gate = new TenantGate(false, 3, 0, 5) },
            };
            change = change with { Epoch = 1000 + i };
            entries.Add(change.Key, change);
        }

        return entries;
    }

    private static string PolicyDocument(int version)
    {
        var yaml = new StringBuilder("apiVersion: mesh/v1\nrules:\n");
        string[] tools = ["git", "files", "payments", "shell", "http", "db"];
        foreach (var tool in tools)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - id: {tool}-v{version}\n    effect: allow\n    match:\n      tools: [{tool}]\n      operations: [\"*\"]\n      targets: [\"acme/*\"]\n    when: request.labels not in ['secret']\n");
        }

        return yaml.ToString();
    }
}
