namespace Mesh.Testing.Postgres;

/// <summary>PostgreSQL's own tools, run as the server's account: initdb and pg_ctl stop.</summary>
internal static class PgCtl
{
    /// <summary>The program and arguments to run a server binary, as the server's account when this process is root.</summary>
    public static (string File, IReadOnlyList<string> Arguments) Command(string bin, ServerAccount? account, string program, IEnumerable<string> arguments)
    {
        var path = Path.Combine(bin, program);
        return account is null ? (path, [.. arguments]) : account.Wrap(path, arguments);
    }

    /// <summary>Creates a data folder: superuser <c>postgres</c> with the password, trusted on the socket, password (SCRAM) over TCP.</summary>
    public static async Task InitAsync(string bin, ServerAccount? account, string folder, string data, string password)
    {
        var passwordFile = Path.Combine(folder, "password");
        await File.WriteAllTextAsync(passwordFile, password + "\n");
        if (account is not null)
        {
            await ChownAsync(folder, account);
        }

        try
        {
            var (file, arguments) = Command(bin, account, "initdb",
            [
                "-D", data, "-U", "postgres", $"--pwfile={passwordFile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions",
            ]);
            var result = await Commands.RunAsync(file, arguments, TimeSpan.FromMinutes(2), folder);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"initdb failed (exit code {result.ExitCode}):\n{result.Output}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>Fast shutdown (clients disconnected, no recovery needed on the next start); waits for it.</summary>
    public static async Task<bool> StopAsync(string bin, ServerAccount? account, string data, TimeSpan timeout)
    {
        var (file, arguments) = Command(bin, account, "pg_ctl", ["stop", "-D", data, "-m", "fast", "-w", "-t", ((int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var result = await Commands.RunAsync(file, arguments, timeout + TimeSpan.FromSeconds(10), Path.GetDirectoryName(data));
        return result.ExitCode == 0;
    }

    /// <summary>Immediate shutdown, synchronously: for process exit and orphans. Best effort.</summary>
    public static void StopNow(string bin, ServerAccount? account, string data)
    {
        var (file, arguments) = Command(bin, account, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "10"]);
        Commands.Run(file, arguments, TimeSpan.FromSeconds(20), Path.GetDirectoryName(data));
    }

    /// <summary>Gives the account the folder (PostgreSQL insists on owning its data folder).</summary>
    public static async Task ChownAsync(string folder, ServerAccount account)
    {
        var chown = Commands.FindOnPath("chown") ?? throw new InvalidOperationException("chown is not on PATH.");
        var result = await Commands.RunAsync(chown, ["-R", $"{account.Uid}:{account.Gid}", folder], TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {folder} failed: {result.Output}");
        }
    }
}
