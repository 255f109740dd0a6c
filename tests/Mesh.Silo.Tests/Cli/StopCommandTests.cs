using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// <c>mesh stop</c> engages the fleet-wide emergency stop only with a reason and a confirmation: typing STOP on a
/// terminal, or --yes from a script. Run as a real process with no terminal (standard input is a closed pipe).
/// </summary>
public sealed class StopCommandTests : IAsyncLifetime
{
    private static readonly string CliAssembly = Path.Combine(AppContext.BaseDirectory, "mesh.dll");
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private async Task<(int Exit, string Out, string Err)> MeshAsync(string input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = _mesh.HttpBase.ToString();
        start.Environment["MESH_TOKEN"] = _mesh.AdminToken;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }

    private async Task<bool> EngagedAsync()
    {
        using var admin = _mesh.Http(_mesh.AdminToken);
        return (await admin.GetFromJsonAsync<JsonElement>("v1/emergency-stop")).GetProperty("emergencyStop").GetBoolean();
    }

    [Fact]
    public async Task Stop_needs_a_reason_and_without_a_terminal_needs_yes()
    {
        var noReason = await MeshAsync(string.Empty, "stop", "--yes");
        var blankReason = await MeshAsync(string.Empty, "stop", "--reason", "  ", "--yes");
        // Typing STOP on a pipe is not a confirmation: only a terminal can confirm.
        var noTerminal = await MeshAsync("STOP\n", "stop", "--reason", "drill");
        var engagedBefore = await EngagedAsync();
        var engaged = await MeshAsync(string.Empty, "stop", "--reason", "drill", "--yes", "-o", "json");
        var engagedAfter = await EngagedAsync();
        var released = await MeshAsync(string.Empty, "stop", "--release", "--reason", "drill over");

        Assert.Equal(2, noReason.Exit);
        Assert.Contains("--reason", noReason.Err, StringComparison.Ordinal);
        Assert.Equal(2, blankReason.Exit);
        Assert.Equal(2, noTerminal.Exit);
        Assert.Contains("--yes", noTerminal.Err, StringComparison.Ordinal);
        Assert.False(engagedBefore);
        Assert.Equal(0, engaged.Exit);
        Assert.True(engagedAfter);
        Assert.Equal(0, released.Exit);
        Assert.Contains("emergency stop released", released.Out, StringComparison.Ordinal);
        Assert.Contains("reason: drill over", released.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("does not record", released.Err, StringComparison.Ordinal);   // the silo kept the reason
        Assert.False(await EngagedAsync());
    }
}
