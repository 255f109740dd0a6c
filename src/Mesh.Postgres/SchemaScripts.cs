using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Postgres;

/// <summary>One script of <c>deploy/sql</c>, as embedded in this assembly.</summary>
/// <param name="Version">The number before the first underscore of its file name.</param>
/// <param name="Name">Its file name without <c>.sql</c>, e.g. <c>002_orleans_clustering</c>.</param>
/// <param name="Text">Its text, line endings normalised to LF.</param>
/// <param name="Sha256">The SHA-256 of <paramref name="Text"/> (UTF-8), lower-case hex.</param>
internal sealed record SchemaScript(int Version, string Name, string Text, string Sha256);

/// <summary>The schema scripts of <c>deploy/sql</c>, embedded at build time, in the order they apply.</summary>
internal static class SchemaScripts
{
    private const string ResourcePrefix = "Mesh.Postgres.Schema.";

    public static IReadOnlyList<SchemaScript> All { get; } = Load();

    /// <summary>SHA-256 of a script's text. Line endings are normalised first so a CRLF checkout hashes the same.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(text))));

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static SchemaScript[] Load()
    {
        var assembly = typeof(SchemaScripts).Assembly;
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..^".sql".Length];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Schema script '{name}.sql' must be named NNN_what.sql (NNN: its version number).");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var text = Normalize(reader.ReadToEnd());
            scripts.Add(new SchemaScript(version, name, text, Hash(text)));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Version == scripts[i - 1].Version)
            {
                throw new InvalidOperationException($"Schema scripts '{scripts[i - 1].Name}' and '{scripts[i].Name}' have the same version number.");
            }
        }

        return [.. scripts];
    }
}
