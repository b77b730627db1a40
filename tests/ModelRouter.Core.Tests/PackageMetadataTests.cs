using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Xml.Linq;

namespace ModelRouter.Tests;

/// <summary>Packs ModelRouter.Core as a release would and inspects what a NuGet consumer gets.</summary>
[TestFixture]
[Category("Packaging")]
[NonParallelizable]
public sealed class PackageMetadataTests
{
    /// <summary>The Source Link record in a portable PDB (Portable PDB format specification).</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    private string output = "";
    private string nupkg = "";
    private string snupkg = "";
    private string commit = "";

    [OneTimeSetUp]
    public void PackOnce()
    {
        var root = FindRepositoryRoot();
        commit = Run(root, "git", "rev-parse HEAD").Trim();
        output = Directory.CreateTempSubdirectory("modelrouter-pack-").FullName;
        Run(root, "dotnet", $"pack src/ModelRouter.Core/ModelRouter.Core.csproj -c Release --no-restore -o \"{output}\" -p:ContinuousIntegrationBuild=true");
        nupkg = Directory.GetFiles(output, "ModelRouter.Core.*.nupkg").Single();
        snupkg = Directory.GetFiles(output, "ModelRouter.Core.*.snupkg").Single();
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Test]
    public void Nuspec_CarriesRepositoryCommitLicenseReadmeAndIcon()
    {
        using var package = ZipFile.OpenRead(nupkg);
        var nuspecEntry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        XDocument nuspec;
        using (var stream = nuspecEntry.Open())
        {
            nuspec = XDocument.Load(stream);
        }

        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        var repository = metadata.Element(ns + "repository")!;
        Assert.Multiple(() =>
        {
            Assert.That(metadata.Element(ns + "id")!.Value, Is.EqualTo("ModelRouter.Core"));
            Assert.That(metadata.Element(ns + "version")!.Value, Does.Match(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"));
            Assert.That(repository.Attribute("type")?.Value, Is.EqualTo("git"));
            Assert.That(repository.Attribute("url")?.Value, Does.StartWith("https://"));
            Assert.That(repository.Attribute("commit")?.Value, Is.EqualTo(commit), "the package names the commit it was built from");
            Assert.That(metadata.Element(ns + "license")?.Value, Is.EqualTo("MIT"));
            Assert.That(metadata.Element(ns + "readme")?.Value, Is.EqualTo("README.md"));
            Assert.That(metadata.Element(ns + "icon")?.Value, Is.EqualTo("icon.png"));
            Assert.That(package.GetEntry("README.md"), Is.Not.Null);
            Assert.That(package.GetEntry("icon.png"), Is.Not.Null);
            Assert.That(package.GetEntry("lib/net10.0/ModelRouter.Core.dll"), Is.Not.Null);
            Assert.That(package.GetEntry("lib/net10.0/ModelRouter.Core.xml"), Is.Not.Null, "XML docs ship with the package");
            Assert.That(package.GetEntry("ConfigurationSchema.json"), Is.Not.Null, "appsettings IntelliSense ships with the package");
            Assert.That(package.GetEntry("buildTransitive/ModelRouter.Core.targets"), Is.Not.Null, "the schema is registered for projects that use the package");
        });
    }

    [Test]
    public void Dependencies_AreOnlyWhatTheAssemblyUses()
    {
        using var package = ZipFile.OpenRead(nupkg);
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(stream);
        var ids = nuspec.Descendants(nuspec.Root!.Name.Namespace + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
        Assert.That(ids, Has.None.EqualTo("Microsoft.Extensions.Http.Resilience"));
        Assert.That(ids, Does.Contain("Polly.Core"));
    }

    [Test]
    public void SymbolPackage_PdbHasSourceLinkToTheBuiltCommit()
    {
        using var symbols = ZipFile.OpenRead(snupkg);
        var pdbEntry = symbols.GetEntry("lib/net10.0/ModelRouter.Core.pdb");
        Assert.That(pdbEntry, Is.Not.Null);
        using var pdb = new MemoryStream();
        using (var stream = pdbEntry!.Open())
        {
            stream.CopyTo(pdb);
        }

        pdb.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdb);
        var reader = provider.GetMetadataReader();
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(info => reader.GetGuid(info.Kind) == SourceLinkKind)
            .Select(info => reader.GetBlobBytes(info.Value))
            .SingleOrDefault();
        Assert.That(sourceLink, Is.Not.Null, "the PDB has a Source Link record");

        using var json = JsonDocument.Parse(sourceLink!);
        var urls = json.RootElement.GetProperty("documents").EnumerateObject().Select(p => p.Value.GetString()!).ToList();
        Assert.That(urls, Is.Not.Empty);
        Assert.That(urls, Has.All.StartWith("https://").And.All.Contains(commit));
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ModelRouter.Core.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test directory.");
    }

    private static string Run(string workingDirectory, string fileName, string arguments)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The test host's MSBuild variables point at its own SDK resolution; the child build finds its own.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {arguments}' did not finish in 4 minutes.");
        }

        Assert.That(process.ExitCode, Is.Zero, $"'{fileName} {arguments}' failed:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
