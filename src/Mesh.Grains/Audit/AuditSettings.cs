namespace Mesh.Grains.Audit;

/// <summary>How the audit trail is written. Part of <see cref="Hosting.MeshGrainOptions"/>.</summary>
public sealed class AuditSettings
{
    /// <summary>When a decision may return relative to its record being durable. Default <see cref="AuditDurability.Durable"/>.</summary>
    public AuditDurability Durability { get; set; } = AuditDurability.Durable;

    /// <summary>Most records written in one batch (one transaction or one COPY). Default 2048.</summary>
    public int MaxBatch { get; set; } = 2048;

    /// <summary>
    /// Most records waiting to be written. When full, appends wait (decisions slow down rather than lose records).
    /// Default 65536.
    /// </summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>How often the heads of the streams written since the last checkpoint are signed. Default 30 seconds.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many checkpoint intervals a record may stay unsigned before verification reports it (<c>unsigned</c>).
    /// Every record is signed within about one interval of being written (by its writer, or after a crash by the
    /// sweep of a running or restarting silo), so an older unsigned record means checkpoints were deleted or replaced by
    /// older ones, or records were added behind the silos' backs. Default 3; <c>mesh audit verify --coverage-intervals</c>
    /// overrides it per run (0: every record must be signed).
    /// </summary>
    public int CoverageIntervals { get; set; } = DefaultCoverageIntervals;

    /// <summary>The default of <see cref="CoverageIntervals"/>.</summary>
    public const int DefaultCoverageIntervals = 3;

    /// <summary>
    /// A PEM file with the ECDSA P-256 private key that signs checkpoints. Created (mode 0600) when it does not exist.
    /// Null: a key that lives only as long as the process (tests).
    /// </summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>
    /// Public keys (PEM text, or paths of PEM files) whose checkpoints verification trusts besides this silo's own
    /// key: the keys of other silos, or of earlier keys after a rotation.
    /// </summary>
    public IList<string> TrustedPublicKeys { get; } = [];
}

/// <summary>When a decision may return relative to its audit record.</summary>
public enum AuditDurability
{
    /// <summary>Only once its record is durable (group commit: many decisions share one write). The default.</summary>
    Durable = 0,

    /// <summary>
    /// As soon as its record is queued. Records still reach the store in order and failed writes are retried, but a
    /// silo crash loses the records still queued (at most <see cref="AuditSettings.QueueCapacity"/>): a runtime may
    /// hold decisions the trail never shows.
    /// </summary>
    Async = 1,

    /// <summary>No audit at all. For measuring what auditing costs, never for production; the silo warns at start.</summary>
    Off = 2,
}
