using System.Diagnostics;
using System.Globalization;

namespace Mesh.Testing.Postgres;

/// <summary>
/// Throwaway servers live in folders under one well-known temp folder, each with an <c>owner</c> file naming the
/// test process that made it. A server whose owner is gone (a test run that crashed or was killed) is an orphan:
/// the next run stops it and deletes its folder.
/// </summary>
internal static class ServerFolders
{
    private const string OwnerFile = "owner";
    private static int _swept;

    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "mesh-postgres");

    /// <summary>A new, empty folder owned by this process.</summary>
    public static string Create()
    {
        if (!Directory.Exists(Root))
        {
            Directory.CreateDirectory(Root);
            ShareRoot();
        }

        var folder = Path.Combine(Root, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, OwnerFile), Identity(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return folder;
    }

    /// <summary>Once per process: stops the servers of dead test runs and deletes their folders. Best effort.</summary>
    public static void SweepOrphans(PostgresAvailability availability)
    {
        if (Interlocked.Exchange(ref _swept, 1) == 0)
        {
            Sweep(availability);
        }
    }

    /// <summary>Stops the servers of dead test runs and deletes their folders, now. Best effort.</summary>
    internal static void Sweep(PostgresAvailability availability)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(Root))
        {
            try
            {
                if (!IsOrphan(folder))
                {
                    continue;
                }

                var data = Path.Combine(folder, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")) && availability.BinDirectory is { } bin)
                {
                    PgCtl.StopNow(bin, availability.Account, data);
                }

                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException)
            {
                // Another run may be sweeping the same folder, or it belongs to another user: leave it.
            }
        }
    }

    // Shared like /tmp (1777): test runs of other users can add their own servers, and delete only their own.
    private static void ShareRoot()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(
                Root,
                UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Made by another user a moment ago: theirs to set.
        }
    }

    private static bool IsOrphan(string folder)
    {
        var owner = Path.Combine(folder, OwnerFile);
        if (!File.Exists(owner))
        {
            // Made by a run that died before it wrote the file (or not ours): old enough means abandoned.
            return DateTime.UtcNow - Directory.GetCreationTimeUtc(folder) > TimeSpan.FromMinutes(10);
        }

        var recorded = File.ReadAllText(owner).Trim();
        var pid = int.Parse(recorded.Split(' ')[0], CultureInfo.InvariantCulture);
        return Identity(pid) is { } current ? current != recorded : !IsRunning(pid);
    }

    // "pid start-time" from /proc, so that a recycled process id does not pass for the owner. Null without /proc.
    private static string? Identity(int pid)
    {
        var stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
        if (!File.Exists(stat))
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');

            // Field 22 of stat (start time) is the 20th after the command name.
            return $"{pid.ToString(CultureInfo.InvariantCulture)} {fields[19]}";
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
