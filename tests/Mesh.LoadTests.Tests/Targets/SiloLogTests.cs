using Mesh.LoadTests.Targets;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadTests.Tests.Targets;

/// <summary>The embedded silos' log file counts the warnings worth naming at the end of a run.</summary>
public sealed class SiloLogTests
{
    // Orleans' own message (Watchdog.LogWarningParticipantCheckThreadStalled), with the same field name.
    private static readonly Action<ILogger, TimeSpan, Exception?> ParticipantCheckStalled = LoggerMessage.Define<TimeSpan>(
        LogLevel.Warning,
        new EventId(100),
        "Participant check thread has not completed for {TimeSinceLastTick}, potentially indicating lock contention or deadlock, CPU starvation, or another execution anomaly.");

    [Fact]
    public async Task A_watchdog_stall_longer_than_the_process_has_run_is_written_but_not_counted()
    {
        var path = SiloLog.DefaultPath();
        try
        {
            using (var log = new SiloLog(path))
            {
                var watchdog = log.CreateLogger("Orleans.Runtime.Watchdog");
                ParticipantCheckStalled(watchdog, TimeSpan.FromDays(400), null);
                ParticipantCheckStalled(watchdog, TimeSpan.FromTicks(1), null);
                log.CreateLogger("Mesh.Grains").LogWarning("a real warning");

                Assert.Equal(2, log.Warnings);
            }

            var lines = await File.ReadAllLinesAsync(path);
            Assert.Equal(3, lines.Length);
            Assert.Contains("400.00:00:00", lines[0], StringComparison.Ordinal);
            Assert.Contains("false alarm", lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("false alarm", lines[1], StringComparison.Ordinal);
            Assert.EndsWith("Warning Mesh.Grains: a real warning", lines[2], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
