using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Mesh.Postgres;
using Npgsql;

namespace Mesh.Testing.Postgres;

/// <summary>
/// A PostgreSQL server for tests: a throwaway one started from the local server binaries (its own data folder, on a
/// free loopback port, password auth over TCP, durability off for speed), or the existing server named by
/// <c>MESH_TEST_POSTGRES</c>. Tests get a fresh database each from <see cref="CreateDatabaseAsync"/>.
/// </summary>
/// <remarks>
/// When the test process runs as root the server runs as the <c>postgres</c> user (PostgreSQL refuses root).
/// Disposing stops the server and deletes its folder; a server left behind by a test run that crashed is stopped
/// by the next run (the folders live under the temp folder's <c>mesh-postgres</c>), and every server of this process is
/// stopped at process exit.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly Lazy<PostgresAvailability> Detected = new(PostgresAvailability.Detect);
    private static readonly ConcurrentDictionary<PostgresServer, bool> Live = new();
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static int _databaseCount;

    private readonly PostgresAvailability _availability;
    private readonly string? _folder;
    private readonly string? _password;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<string> _databases = [];
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;
    private bool _disposed;

    static PostgresServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllNow();
    }

    private PostgresServer(PostgresAvailability availability, string adminConnectionString)
    {
        _availability = availability;
        AdminConnectionString = adminConnectionString;
        Port = new NpgsqlConnectionStringBuilder(adminConnectionString).Port;
    }

    private PostgresServer(PostgresAvailability availability, string folder, string password)
    {
        _availability = availability;
        _folder = folder;
        _password = password;
        AdminConnectionString = "";
    }

    /// <summary>Whether a server can be had here, from where, or why not. Decided once per process.</summary>
    public static PostgresAvailability Availability => Detected.Value;

    /// <summary>A superuser (or, for <c>MESH_TEST_POSTGRES</c>, a user that may create databases) on the <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; private set; }

    /// <summary>The TCP port on 127.0.0.1 (for a throwaway server; the configured one otherwise).</summary>
    public int Port { get; private set; }

    /// <summary>True for a throwaway server, which <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> can stop and start; false when wrapping <c>MESH_TEST_POSTGRES</c>.</summary>
    public bool CanRestart => _folder is not null;

    /// <summary>True unless the throwaway server is stopped.</summary>
    public bool IsRunning => !CanRestart || _process is { HasExited: false };

    /// <summary>The server's recent log lines (throwaway server only), for test failure messages.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>The throwaway server's folder (data, socket), or null for <c>MESH_TEST_POSTGRES</c>.</summary>
    internal string? Folder => _folder;

    private string Bin => _availability.BinDirectory!;

    private string Data => Path.Combine(_folder!, "data");

    /// <summary>
    /// Starts a throwaway server (or wraps <c>MESH_TEST_POSTGRES</c>) and waits until it accepts connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not available here, or did not start (the message holds its log).</exception>
    public static async Task<PostgresServer> StartAsync(CancellationToken ct = default)
    {
        var availability = Availability;
        if (!availability.IsAvailable)
        {
            throw new InvalidOperationException($"PostgreSQL is not available: {availability.Description}. Install the server (apt-get install postgresql) or set {PostgresAvailability.ServerVariable}.");
        }

        if (availability.ExternalConnectionString is { } external)
        {
            var wrapped = new PostgresServer(availability, external);
            await using (var connection = new NpgsqlConnection(external))
            {
                await connection.OpenAsync(ct);
            }

            Live.TryAdd(wrapped, true);
            return wrapped;
        }

        ServerFolders.SweepOrphans(availability);
        var server = new PostgresServer(availability, ServerFolders.Create(), Guid.NewGuid().ToString("N"));
        Live.TryAdd(server, true);
        try
        {
            await PgCtl.InitAsync(server.Bin, availability.Account, server._folder!, server.Data, server._password!);
            Directory.CreateDirectory(Path.Combine(server._folder!, "run"));
            if (availability.Account is { } account)
            {
                await PgCtl.ChownAsync(server._folder!, account);
            }

            // Another process may take the free port before the server binds it: then try another.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePorts.Take(1)[0];
                server.AdminConnectionString = server.ConnectionString("postgres");
                try
                {
                    await server.LaunchAsync(ct);
                    return server;
                }
                catch (PortTakenException) when (attempt < 5)
                {
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a fresh, uniquely named database and returns its connection string (same user as <see cref="AdminConnectionString"/>).</summary>
    /// <param name="applySchema">Applies Mesh's schema (<see cref="PostgresSchema.ApplyAsync"/>) to it, as <c>mesh db init</c> does.</param>
    /// <param name="ct">Cancels the creation.</param>
    public async Task<string> CreateDatabaseAsync(bool applySchema = true, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var name = $"mesh_test_{Interlocked.Increment(ref _databaseCount).ToString(CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..12]}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        lock (_databases)
        {
            _databases.Add(name);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
        if (applySchema)
        {
            await PostgresSchema.ApplyAsync(connectionString, progress: null, ct);
        }

        return connectionString;
    }

    /// <summary>
    /// Stops the throwaway server with a fast shutdown (sessions are cut, nothing is lost); connections fail until
    /// <see cref="StartAgainAsync"/>. For outage tests.
    /// </summary>
    /// <exception cref="NotSupportedException">The server is <c>MESH_TEST_POSTGRES</c>'s, which tests must not stop.</exception>
    public async Task StopAsync()
    {
        EnsureCanRestart();
        await _gate.WaitAsync();
        try
        {
            await StopLockedAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the stopped throwaway server again on the same port with the same data; returns once it accepts connections.</summary>
    /// <exception cref="NotSupportedException">The server is <c>MESH_TEST_POSTGRES</c>'s.</exception>
    public async Task StartAgainAsync()
    {
        EnsureCanRestart();
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync();
        try
        {
            if (_process is { HasExited: false })
            {
                return;
            }

            await LaunchAsync(CancellationToken.None);
        }
        catch (PortTakenException ex)
        {
            throw new InvalidOperationException($"PostgreSQL cannot start again: port {Port} was taken while it was stopped.", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the server again if a test stopped it (a no-op for a running server or <c>MESH_TEST_POSTGRES</c>); for clean-up in <c>finally</c>.</summary>
    public Task EnsureRunningAsync() => CanRestart && !_disposed ? StartAgainAsync() : Task.CompletedTask;

    /// <summary>
    /// Stops the throwaway server and deletes its folder; for <c>MESH_TEST_POSTGRES</c>, drops the databases this
    /// object created.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Live.TryRemove(this, out _);
        if (!CanRestart)
        {
            await DropDatabasesAsync();
            return;
        }

        await _gate.WaitAsync();
        try
        {
            await StopLockedAsync();
        }
        finally
        {
            _gate.Release();
        }

        DeleteFolder();
    }

    /// <inheritdoc />
    public override string ToString() => CanRestart ? $"throwaway PostgreSQL on 127.0.0.1:{Port} ({_folder})" : $"PostgreSQL of {PostgresAvailability.ServerVariable} ({PostgresSchema.DescribeTarget(AdminConnectionString)})";

    private string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = _password,
        Database = database,
    }.ConnectionString;

    private async Task LaunchAsync(CancellationToken ct)
    {
        var (file, arguments) = PgCtl.Command(Bin, _availability.Account, "postgres",
        [
            "-D", Data, "-p", Port.ToString(CultureInfo.InvariantCulture), "-k", Path.Combine(_folder!, "run"),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_permissions=0700",
            "-c", "max_connections=300",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "log_min_messages=warning",
        ]);
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C";
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    ct.ThrowIfCancellationRequested();
                    if (process.HasExited)
                    {
                        await process.WaitForExitAsync(CancellationToken.None);
                        throw Log.Contains("could not bind", StringComparison.Ordinal) || Log.Contains("Address already in use", StringComparison.Ordinal)
                            ? new PortTakenException()
                            : new InvalidOperationException($"PostgreSQL exited during start-up (exit code {process.ExitCode}):\n{Log}");
                    }

                    return await CanConnectAsync(ct);
                },
                StartTimeout,
                $"PostgreSQL to accept connections on 127.0.0.1:{Port}");
        }
        catch (TimeoutException ex)
        {
            Abandon();
            throw new InvalidOperationException($"{ex.Message}. Its log:\n{Log}", ex);
        }
        catch
        {
            Abandon();
            throw;
        }
    }

    // A start that failed: make sure nothing runs, and forget the process.
    private void Abandon()
    {
        KillNow();
        _process?.Dispose();
        _process = null;
    }

    private async Task<bool> CanConnectAsync(CancellationToken ct)
    {
        var probe = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false, Timeout = 2 }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(probe);
            await connection.OpenAsync(ct);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task StopLockedAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                var stopped = await PgCtl.StopAsync(Bin, _availability.Account, Data, StopTimeout);
                using var deadline = new CancellationTokenSource(StopTimeout);
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    stopped = false;
                }

                if (!stopped)
                {
                    KillNow();
                }
            }
        }
        finally
        {
            process.Dispose();
            _process = null;

            // Pooled connections to the stopped server are dead; let the next open make new ones.
            NpgsqlConnection.ClearAllPools();
        }
    }

    private void KillNow()
    {
        try
        {
            PgCtl.StopNow(Bin, _availability.Account, Data);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
        }

        try
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private async Task DropDatabasesAsync()
    {
        string[] names;
        lock (_databases)
        {
            names = [.. _databases];
        }

        if (names.Length == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            foreach (var name in names)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // Best effort: the server may be unreachable by now; the databases' names say they are test leftovers.
        }
    }

    private void DeleteFolder()
    {
        for (var attempt = 0; attempt < 3 && Directory.Exists(_folder); attempt++)
        {
            try
            {
                Directory.Delete(_folder!, recursive: true);
            }
            catch (IOException)
            {
                // A file still being closed by the exiting server: try again.
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private void EnsureCanRestart()
    {
        if (!CanRestart)
        {
            throw new NotSupportedException($"The server of {PostgresAvailability.ServerVariable} is not the tests' to stop or start; unset it to use a throwaway server.");
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 400 && _log.TryDequeue(out _))
        {
        }
    }

    private static void StopAllNow()
    {
        foreach (var server in Live.Keys)
        {
            if (server.CanRestart && server._process is { HasExited: false })
            {
                server.KillNow();
                server.DeleteFolder();
            }
        }
    }

    private sealed class PortTakenException : Exception
    {
        public PortTakenException()
            : base("The port was taken.")
        {
        }
    }
}
