namespace Mesh.Grains.Hosting;

/// <summary>Small string helpers for operator-supplied text.</summary>
internal static class Text
{
    /// <summary>Caps free text (reasons, comments) so an operator field cannot bloat state.</summary>
    public static string? Truncate(string? value, int max) =>
        value is null || value.Length <= max ? value : value[..max];
}
