using System.Globalization;
using System.Text.RegularExpressions;
using Mesh.Contracts.Decisions;
using Mesh.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Client.Tests.Connection;

/// <summary>
/// A gateway nobody listens on (a free port) is named by the SDK, in its log and in the fail-closed deny, and a gateway
/// that stays down does not flood the log.
/// </summary>
public sealed class UnreachableGatewayTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static ActionRequest Request() => new() { RequestId = "r1", AgentId = "acme/release-bot", AgentToken = "t", Tool = "git", Operation = "push" };

    [Fact]
    public async Task An_unreachable_gateway_is_logged_by_name_and_named_in_the_mesh_unavailable_deny()
    {
        var gateway = $"127.0.0.1:{FreePorts.Take(1)[0]}";
        var logs = new CapturedLogs();
        await using var gate = MeshGate.Create(new MeshGateOptions { Gateways = { gateway }, DecisionTimeout = TimeSpan.FromMilliseconds(500), ReconnectDelay = TimeSpan.FromMilliseconds(50) }, logs);

        await Poll.UntilAsync(() => logs.FromSdk(LogLevel.Warning).Count > 0, Deadline, () => "a warning from the SDK; logged:\n" + logs);
        var decision = await gate.CheckAsync(Request()).WaitAsync(Deadline);

        var warning = Assert.Single(logs.FromSdk(LogLevel.Warning), w => w.StartsWith("No mesh gateway answered", StringComparison.Ordinal));
        Assert.Contains($"tried gateway {gateway} (", warning, StringComparison.Ordinal);
        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(ReasonCode.MeshUnavailable, decision.Reason);
        Assert.StartsWith($"No mesh gateway answered within 0.5 s (tried gateway {gateway}: ", decision.Message, StringComparison.Ordinal);
        Assert.EndsWith("so the SDK denies (fail closed).", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_unreachable_gateways_are_all_named()
    {
        var ports = FreePorts.Take(2);
        await using var gate = MeshGate.Create([$"127.0.0.1:{ports[0]}", $"localhost:{ports[1]}"], new CapturedLogs());

        var decision = await gate.CheckAsync(Request()).WaitAsync(Deadline);

        Assert.Equal(ReasonCode.MeshUnavailable, decision.Reason);
        Assert.Contains($"tried gateways 127.0.0.1:{ports[0]}, localhost:{ports[1]} (127.0.0.1:{ports[1]})", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_that_stays_down_is_warned_about_once_a_minute_not_on_every_attempt()
    {
        var gateway = $"127.0.0.1:{FreePorts.Take(1)[0]}";
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs();
        await using var gate = MeshGate.Create(new MeshGateOptions { Gateways = { gateway }, ReconnectDelay = TimeSpan.FromMilliseconds(10), TimeProvider = time }, logs);
        IReadOnlyList<string> Warnings() => [.. logs.FromSdk(LogLevel.Warning).Where(w => w.StartsWith("No mesh gateway answered", StringComparison.Ordinal))];

        await Poll.UntilAsync(() => gate.Health.FailedAttempts >= 5, Deadline, "five failed connection attempts");
        var withinAMinute = Warnings();
        time.Advance(TimeSpan.FromMinutes(1));
        await Poll.UntilAsync(() => Warnings().Count >= 2, Deadline, () => "a second warning after a minute; logged:\n" + logs);

        Assert.Single(withinAMinute);
        Assert.Equal(1, AttemptsIn(withinAMinute[0]));
        Assert.Equal(2, Warnings().Count);
        Assert.True(AttemptsIn(Warnings()[1]) > 5, Warnings()[1]);
    }

    private static int AttemptsIn(string warning) =>
        int.Parse(Regex.Match(warning, @"; (\d+) failed attempt\(s\) so far").Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Calls_failing_closed_are_warned_about_once_a_minute_with_a_count_of_the_rest()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs();
        await using var gate = MeshGate.Create(new MeshGateOptions { Gateways = { $"127.0.0.1:{FreePorts.Take(1)[0]}" }, DecisionTimeout = TimeSpan.FromMilliseconds(100), TimeProvider = time }, logs);
        IReadOnlyList<string> Warnings() => [.. logs.FromSdk(LogLevel.Warning).Where(w => w.StartsWith("Failed closed", StringComparison.Ordinal))];

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ReasonCode.MeshUnavailable, (await gate.CheckAsync(Request()).WaitAsync(Deadline)).Reason);
        }

        var afterThree = Warnings();
        time.Advance(TimeSpan.FromMinutes(1));
        await gate.CheckAsync(Request()).WaitAsync(Deadline);

        Assert.Single(afterThree);
        Assert.Contains("agent acme/release-bot (request r1)", afterThree[0], StringComparison.Ordinal);
        Assert.Equal(2, Warnings().Count);
        Assert.EndsWith("(2 more failed closed since the previous warning)", Warnings()[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_logger_factory_the_first_warning_and_only_it_goes_to_standard_error()
    {
        var gateway = $"127.0.0.1:{FreePorts.Take(1)[0]}";
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var written = new StringWriter();
        var standardError = TextWriter.Synchronized(written);
        await using var gate = MeshGate.Create(new MeshGateOptions { Gateways = { gateway }, DecisionTimeout = TimeSpan.FromMilliseconds(100), ReconnectDelay = TimeSpan.FromMilliseconds(10), TimeProvider = time }, null, standardError);

        await Poll.UntilAsync(() => gate.Health.FailedAttempts >= 3, Deadline, "three failed connection attempts");
        time.Advance(TimeSpan.FromMinutes(5));
        var attempts = gate.Health.FailedAttempts;
        await Poll.UntilAsync(() => gate.Health.FailedAttempts > attempts, Deadline, "another failed attempt after five minutes");
        await gate.CheckAsync(Request()).WaitAsync(Deadline);

        var line = Assert.Single(written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"warn: Mesh.Client: No mesh gateway answered: tried gateway {gateway} (", line, StringComparison.Ordinal);
        Assert.Contains("pass an ILoggerFactory to MeshGate.Create", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mesh_that_goes_away_after_connecting_is_logged_and_named_in_the_deny()
    {
        var mesh = await EmbeddedMesh.StartAsync();
        var logs = new CapturedLogs();
        var gateway = $"127.0.0.1:{mesh.GatewayPort}";
        await using var gate = MeshGate.Create(new MeshGateOptions { Gateways = { gateway }, DecisionTimeout = TimeSpan.FromSeconds(2), ReconnectDelay = TimeSpan.FromMilliseconds(100) }, logs);
        await gate.WaitUntilConnectedAsync(Deadline);

        await mesh.DisposeAsync();
        await Poll.UntilAsync(() => logs.FromSdk(LogLevel.Warning).Any(w => w.StartsWith("Lost the connection to the mesh", StringComparison.Ordinal)), Deadline, () => "the connection-lost warning; logged:\n" + logs);
        var decision = await gate.CheckAsync(Request()).WaitAsync(Deadline);

        Assert.Contains(logs.FromSdk(LogLevel.Information), i => i.StartsWith($"Connected to the mesh through gateway {gateway}", StringComparison.Ordinal));
        Assert.Contains(logs.FromSdk(LogLevel.Warning), w => w.Contains($"(gateway {gateway})", StringComparison.Ordinal));
        Assert.Equal(ReasonCode.MeshUnavailable, decision.Reason);
        Assert.Contains($"tried gateway {gateway}: the connection was lost", decision.Message, StringComparison.Ordinal);
    }
}
