using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// On the first start of an empty cluster, makes the first admin token. By default it generates one and writes it to
/// <c>admin.token</c> in the data folder, readable only by the owner. With <c>Mesh:BootstrapAdminTokenFile</c> set
/// (cluster deployments, whose data folders are per pod and ephemeral) the token in that file, checked against the
/// rules generated tokens follow, becomes the first admin token instead; the file is only read. A cluster that already
/// has tokens is left alone and the file is not read at all. The token is never printed or logged; only paths and the
/// public token id are.
/// </summary>
internal sealed class AdminTokenBootstrap(IGrainFactory grains, MeshSiloOptions options, IConfiguration configuration) : IHostedService
{
    public const string FileName = "admin.token";

    /// <summary>The setting naming the file that holds the operator's first admin token (env <c>Mesh__BootstrapAdminTokenFile</c>).</summary>
    public const string PresetSetting = "Mesh:BootstrapAdminTokenFile";

    // A token is 64 characters; anything much larger is the wrong file, and is not read into memory whole.
    private const long MaxPresetFileBytes = 4096;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IApiTokenRegistryGrain>(IApiTokenRegistryGrain.Key);
        if (configuration[PresetSetting] is { } presetFile && !string.IsNullOrWhiteSpace(presetFile))
        {
            await BootstrapPresetAsync(registry, Path.GetFullPath(presetFile), cancellationToken);
            return;
        }

        var issued = await registry.Bootstrap();
        var path = Path.Combine(options.DataDir, FileName);
        if (issued is null)
        {
            // A restart: say where the token is every time, not only on the start that wrote it.
            await Console.Out.WriteLineAsync(File.Exists(path)
                ? $"Mesh admin token:      in {path} (written on the first start; readable only by you)"
                : $"Mesh admin token:      not in {options.DataDir}: the first admin token was made earlier (by another silo, or its file was removed or supplied with {PresetSetting}); an admin makes more with `mesh token create`");
            return;
        }

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
        if (options.IsCluster)
        {
            await Console.Out.WriteLineAsync($"Mesh admin token:      that folder belongs to this silo alone; to supply the first admin token yourself, set {PresetSetting} (docs/DEPLOY.md)");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task BootstrapPresetAsync(IApiTokenRegistryGrain registry, string path, CancellationToken cancellationToken)
    {
        if (await registry.HasTokens())
        {
            await Console.Out.WriteLineAsync($"Mesh admin token:      the cluster already has API tokens; {PresetSetting} ({path}) is not used");
            return;
        }

        var text = await ReadPresetAsync(path, cancellationToken);
        if (!ApiTokenFormat.TryParseStrict(text, out var id, out var secret, out var problem))
        {
            throw new MeshStartupException(
                $"Mesh cannot start: the token in {path} ({PresetSetting}) is not a usable Mesh API token: {problem}. " +
                $"A token is {ApiTokenFormat.Prefix}<{ApiTokenFormat.IdLength} lowercase hex digits>.<{ApiTokenFormat.SecretLength} characters of unpadded base64url from 32 random bytes>; docs/DEPLOY.md shows how to generate one.");
        }

        // Only the id and the secret's hash go to the registry grain, which may live on another silo.
        var stored = await registry.BootstrapPreset(id, ApiTokenFormat.Hash(secret));
        await Console.Out.WriteLineAsync(stored is null
            ? $"Mesh admin token:      another silo bootstrapped the cluster first; {PresetSetting} ({path}) is not used"
            : $"Mesh admin token:      the token in {path} ({PresetSetting}) is the first admin token (id {stored.Id})");
    }

    private static async Task<string> ReadPresetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var length = new FileInfo(path).Length;
            if (length > MaxPresetFileBytes)
            {
                throw new MeshStartupException($"Mesh cannot start: {path} ({PresetSetting}) holds {length} bytes; a token file holds one token of 64 characters.");
            }

            // ReadAllText drops a byte-order mark; the line break an editor or `echo` leaves is trimmed here.
            return (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MeshStartupException($"Mesh cannot start: {PresetSetting} names {path}, which cannot be read: {ex.Message}", ex);
        }
    }
}
