using Mesh.Contracts.Tokens;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// On the first start of an empty cluster, creates the first admin token and writes it to <c>admin.token</c> in the
/// data folder, readable only by the owner. The token is never printed or logged; only the file's path is.
/// </summary>
internal sealed class AdminTokenBootstrap(IGrainFactory grains, MeshSiloOptions options) : IHostedService
{
    public const string FileName = "admin.token";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var issued = await grains.GetGrain<IApiTokenRegistryGrain>(IApiTokenRegistryGrain.Key).Bootstrap();
        if (issued is null)
        {
            return;
        }

        var path = Path.Combine(options.DataDir, FileName);
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created with mode 0600 from the start: there is no moment at which others could read it.
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(temporary, file))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteLineAsync(issued.Token.AsMemory(), cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
        await Console.Out.WriteLineAsync($"Mesh admin token:      written to {path} (readable only by you; it is shown nowhere else)");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
