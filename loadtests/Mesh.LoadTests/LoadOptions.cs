namespace Mesh.LoadTests;

/// <summary>Everything one load-test run is told on the command line.</summary>
internal sealed record LoadOptions
{
    public bool Embedded { get; init; }
    public int Silos { get; init; } = 1;
    public IReadOnlyList<string> Gateways { get; init; } = [];
    public string? Connection { get; init; }
    public string? Url { get; init; }
    public string? Token { get; init; }
    public int Agents { get; init; } = 1_000;
    public int Tenants { get; init; } = 4;
    public int Credentials { get; init; } = 8;
    public int Rules { get; init; } = 100;
    public int Concurrency { get; init; } = 64;
    public double? Rate { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);
    public bool WithBaseline { get; init; }
    public string? JsonFile { get; init; }
    public int Revocations { get; init; } = 3;
    public int Approvals { get; init; } = 1;
    public bool Quiet { get; init; }
    public string Audit { get; init; } = "durable";
    public string Storage { get; init; } = "memory";
    public string? SiloLog { get; init; }

    // Not from the command line: where the tool's own lines go and the clock runs are timed with (tests give their own).

    /// <summary>The tool's standard output: the start line, the progress lines and the results.</summary>
    public TextWriter Output { get; init; } = TextWriter.Null;

    /// <summary>The clock that times warm-up, measurement windows, latencies and the progress lines.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string Describe() =>
        (Embedded ? $"embedded, {Silos} silo(s), {Storage} storage, audit {Audit}" : Connection is not null ? "connected through the cluster's membership table" : $"connected to {string.Join(", ", Gateways)}")
        + $", {Agents} agents, {Tenants} tenants, {Credentials} credentials, {Rules} rules, "
        + (Rate is { } r ? $"open loop at {r}/s" : $"closed loop, concurrency {Concurrency}")
        + $", {Duration.TotalSeconds:0.#} s after {Warmup.TotalSeconds:0.#} s warm-up";
}
