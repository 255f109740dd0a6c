namespace Mesh.Silo.Hosting;

/// <summary>
/// Remembers whether this start is about to create the data folder, so that a start that fails leaves no half-made
/// folder behind (databases, a signing key, an admin token that belongs to no running mesh). Only what this start
/// created is removed: a folder that existed before, with whatever data it holds, is never touched.
/// </summary>
internal sealed class NewDataFolder
{
    // The outermost folder of the data folder's path that did not exist yet; null when the data folder existed.
    private readonly string? _outermostCreated;

    private NewDataFolder(string? outermostCreated) => _outermostCreated = outermostCreated;

    /// <summary>Looks at <paramref name="dataDir"/> (a full path) before anything creates it.</summary>
    public static NewDataFolder Before(string dataDir)
    {
        string? outermost = null;
        for (var dir = Path.TrimEndingDirectorySeparator(dataDir); !string.IsNullOrEmpty(dir) && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
            {
                // A file stands where a folder should be: creating the folder fails, and the file is not ours.
                return new NewDataFolder(null);
            }

            outermost = dir;
        }

        return new NewDataFolder(outermost);
    }

    /// <summary>Removes the folders this start created, with everything in them; nothing when the folder existed.</summary>
    public void RemoveIfCreated()
    {
        if (_outermostCreated is null || !Directory.Exists(_outermostCreated))
        {
            return;
        }

        try
        {
            Directory.Delete(_outermostCreated, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Mesh could not remove the data folder this start created ({_outermostCreated}): {ex.Message}");
        }
    }
}
