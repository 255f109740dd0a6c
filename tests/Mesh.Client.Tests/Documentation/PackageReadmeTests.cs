using System.Diagnostics;
using System.IO.Compression;

namespace Mesh.Client.Tests.Documentation;

/// <summary><c>dotnet pack src/Mesh.Client</c> ships the package's readme and says nothing about a missing one.</summary>
public sealed class PackageReadmeTests
{
    [Fact]
    public async Task Packing_the_sdk_includes_its_readme_without_a_warning()
    {
        // Pack what the test build already compiled (bin/<configuration>/<tfm>/ of this test project names the configuration).
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var output = Directory.CreateTempSubdirectory("mesh-pack-");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "pack", RepositoryFiles.Path("src/Mesh.Client/Mesh.Client.csproj"), "--no-build", "--no-restore", "-c", configuration, "-o", output.FullName })
            {
                start.ArgumentList.Add(arg);
            }

            using var pack = Process.Start(start)!;
            var stdout = pack.StandardOutput.ReadToEndAsync();
            var stderr = pack.StandardError.ReadToEndAsync();
            await pack.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            var printed = await stdout + await stderr;

            Assert.True(pack.ExitCode == 0, printed);
            Assert.DoesNotContain("readme", printed, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("warning", printed, StringComparison.OrdinalIgnoreCase);
            using var package = ZipFile.OpenRead(Assert.Single(output.GetFiles("Mesh.Client.*.nupkg")).FullName);
            using var readme = new StreamReader(package.GetEntry("README.md")!.Open());
            Assert.Equal(await File.ReadAllTextAsync(RepositoryFiles.Path("src/Mesh.Client/README.md")), await readme.ReadToEndAsync());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
