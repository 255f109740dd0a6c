using System.Runtime.Versioning;
using Mesh.Silo.Storage;
using Mesh.Silo.Tests.Hosting;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Storage;

/// <summary>
/// The data folder holds grain state, approval arguments (in the SQLite write-ahead log too) and the audit trail:
/// only the account the silo runs as may read it. Unix only; Windows folders inherit their parent's ACL.
/// </summary>
public sealed class DataFilePermissionTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    [Fact]
    public async Task A_silo_creates_its_data_folder_0700_and_every_database_file_0600_including_the_write_ahead_logs()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var silo = await HttpSiloProcess.StartAsync();
        var agentToken = await silo.AgentAsync("perm", TestPolicies.AllowAll);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("allow", await silo.DecideAsync("perm", agentToken, $"r{i}"));
        }

        // The decisions are in the audit database's write-ahead log, the registration in the grain database's.
        Assert.True(File.Exists(Path.Combine(silo.DataDir, "audit.db-wal")), "no audit WAL: " + string.Join(", ", Directory.GetFiles(silo.DataDir)));
        Assert.True(File.Exists(Path.Combine(silo.DataDir, "mesh.db-wal")), "no grain-state WAL: " + string.Join(", ", Directory.GetFiles(silo.DataDir)));
        Assert.Equal(PrivateFolder, File.GetUnixFileMode(silo.DataDir));
        AssertEveryFilePrivate(silo.DataDir);
    }

    [Fact]
    public async Task A_silo_started_on_a_data_folder_an_older_version_left_readable_tightens_it_and_logs_each_path()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-old-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        File.SetUnixFileMode(dataDir, PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (var name in new[] { "mesh.db", "audit.db" })
        {
            await File.WriteAllBytesAsync(Path.Combine(dataDir, name), []);
            File.SetUnixFileMode(Path.Combine(dataDir, name), Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        await using var silo = await HttpSiloProcess.StartAsync(dataDir);
        var agentToken = await silo.AgentAsync("perm-old", TestPolicies.AllowAll);
        Assert.Equal("allow", await silo.DecideAsync("perm-old", agentToken, "r1"));

        Assert.Equal(PrivateFolder, File.GetUnixFileMode(dataDir));
        AssertEveryFilePrivate(dataDir);
        foreach (var path in new[] { dataDir, Path.Combine(dataDir, "mesh.db"), Path.Combine(dataDir, "audit.db") })
        {
            Assert.Contains($"Others could read {path} ", silo.Process.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Readable_files_and_folders_are_tightened_once_and_reported_for_the_log()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-old-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        File.SetUnixFileMode(dataDir, PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var readable = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        foreach (var name in new[] { "mesh.db", "audit.db", "audit.db-wal" })
        {
            await File.WriteAllBytesAsync(Path.Combine(dataDir, name), []);
            File.SetUnixFileMode(Path.Combine(dataDir, name), readable);
        }

        try
        {
            var tightened = PrivateFiles.EnsureFolder(dataDir).Concat(PrivateFiles.EnsureDatabase(Path.Combine(dataDir, "mesh.db"))).Concat(PrivateFiles.EnsureDatabase(Path.Combine(dataDir, "audit.db"))).ToList();

            Assert.Equal([dataDir, Path.Combine(dataDir, "mesh.db"), Path.Combine(dataDir, "audit.db"), Path.Combine(dataDir, "audit.db-wal")], tightened.Select(c => c.Path));
            Assert.All(tightened, c => Assert.Null(c.Failure));
            Assert.Equal(PrivateFolder, File.GetUnixFileMode(dataDir));
            AssertEveryFilePrivate(dataDir);

            // Once private, nothing is left to tighten (and nothing to log) on the next start.
            Assert.Empty(PrivateFiles.EnsureFolder(dataDir).Concat(PrivateFiles.EnsureDatabase(Path.Combine(dataDir, "audit.db"))));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public void A_shared_folder_with_the_sticky_bit_is_not_changed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var shared = Path.Combine(Path.GetTempPath(), "mesh-shared-" + Guid.NewGuid().ToString("N"));
        var mode = UnixFileMode.StickyBit | PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, mode);
        try
        {
            Assert.Empty(PrivateFiles.EnsureFolder(shared));
            Assert.Equal(mode, File.GetUnixFileMode(shared));
        }
        finally
        {
            Directory.Delete(shared);
        }
    }

    [Fact]
    public async Task The_audit_store_on_its_own_creates_its_database_and_write_ahead_log_0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var folder = Path.Combine(Path.GetTempPath(), "mesh-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var store = new SqliteAuditStore(Path.Combine(folder, "audit.db"));
            await store.AppendAsync([], CancellationToken.None);

            Assert.True(File.Exists(Path.Combine(folder, "audit.db-wal")), "no WAL: " + string.Join(", ", Directory.GetFiles(folder)));
            AssertEveryFilePrivate(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static void AssertEveryFilePrivate(string folder)
    {
        foreach (var file in Directory.GetFiles(folder))
        {
            Assert.True(File.GetUnixFileMode(file) == Private, $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}, not owner read/write only");
        }
    }
}
