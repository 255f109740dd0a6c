namespace Mesh.Client.Tests.Documentation;

/// <summary>Files of the repository the tests run from (found by walking up to Mesh.sln).</summary>
internal static class RepositoryFiles
{
    /// <summary>The full path of <paramref name="relative"/> (from the repository root).</summary>
    public static string Path(string relative)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Mesh.sln")))
        {
            directory = directory.Parent;
        }

        return System.IO.Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Mesh.sln not found above the test folder."), relative);
    }
}
