namespace Mesh.Cli;

/// <summary>Turns <c>tenant/name</c> ids into URL paths, escaping each part.</summary>
internal static class Ids
{
    public static string Path(string id, string what)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == id.Length - 1)
        {
            throw new UsageException($"'{id}' is not a {what} id: use tenant/name, e.g. acme/{what}-1.");
        }

        return Uri.EscapeDataString(id[..slash]) + "/" + Uri.EscapeDataString(id[(slash + 1)..]);
    }

    public static string Segment(string value) => Uri.EscapeDataString(value);
}
