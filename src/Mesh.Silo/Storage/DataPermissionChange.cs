namespace Mesh.Silo.Storage;

/// <summary>A data folder or file that others could read, and whether it was made private.</summary>
/// <param name="Path">The folder or file.</param>
/// <param name="Failure">Why its mode could not be changed; null when it was.</param>
internal sealed record DataPermissionChange(string Path, string? Failure);
