using System.Security.Cryptography;

namespace Mesh.Grains.Audit;

/// <summary>
/// The ECDSA P-256 key that signs checkpoints, and the set of public keys verification trusts. The private key is
/// read from (or created in) a PEM file; it never leaves the silo, and only its public half is stored with each
/// checkpoint.
/// </summary>
public sealed class AuditSigningKey : IDisposable
{
    private readonly ECDsa _key;
    private readonly HashSet<string> _trusted = new(StringComparer.Ordinal);

    private AuditSigningKey(ECDsa key, IEnumerable<string> trustedPublicKeys)
    {
        _key = key;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        KeyId = IdOf(PublicKey);
        _trusted.Add(KeyId);
        foreach (var trusted in trustedPublicKeys)
        {
            _trusted.Add(IdOf(ReadPublicKey(trusted)));
        }
    }

    /// <summary>The public key (SubjectPublicKeyInfo, DER).</summary>
    public byte[] PublicKey { get; }

    /// <summary>The key id: the first 16 hex digits of the SHA-256 of the public key.</summary>
    public string KeyId { get; }

    /// <summary>Loads the key in <paramref name="file"/>, creating it (readable by the owner only) when missing; a process-lifetime key when null.</summary>
    public static AuditSigningKey Load(string? file, IEnumerable<string> trustedPublicKeys)
    {
        if (file is null)
        {
            return new AuditSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), trustedPublicKeys);
        }

        if (!File.Exists(file))
        {
            CreateKeyFile(file);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"The audit signing key file '{file}' does not hold a PEM EC private key: {ex.Message}", ex);
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new InvalidOperationException($"The audit signing key in '{file}' must be an ECDSA P-256 key (it has {key.KeySize} bits).");
        }

        return new AuditSigningKey(key, trustedPublicKeys);
    }

    /// <summary>The key id of a public key.</summary>
    public static string IdOf(ReadOnlySpan<byte> publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];

    /// <summary>Whether checkpoints signed by <paramref name="keyId"/> are trusted here.</summary>
    public bool Trusts(string keyId) => _trusted.Contains(keyId);

    /// <summary>Signs <paramref name="body"/> (SHA-256, IEEE P1363 signature).</summary>
    public byte[] Sign(ReadOnlySpan<byte> body) => _key.SignData(body, HashAlgorithmName.SHA256);

    /// <summary>Whether <paramref name="signature"/> over <paramref name="body"/> is valid for <paramref name="publicKey"/>.</summary>
    public static bool IsValid(byte[] publicKey, byte[] body, byte[] signature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
            return key.VerifyData(body, signature, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The public key in PEM, for handing to verifiers elsewhere.</summary>
    public string PublicKeyPem() => PemEncoding.WriteString("PUBLIC KEY", PublicKey);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static byte[] ReadPublicKey(string pemOrPath)
    {
        var text = pemOrPath.Contains("-----BEGIN", StringComparison.Ordinal) ? pemOrPath : File.ReadAllText(pemOrPath);
        using var key = ECDsa.Create();
        key.ImportFromPem(text);
        return key.ExportSubjectPublicKeyInfo();
    }

    // Several silos may share one key file and start at once: the first to create it wins, the others read its key.
    private static void CreateKeyFile(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = key.ExportECPrivateKeyPem();
        var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, file, overwrite: false);
        }
        catch (IOException) when (File.Exists(file))
        {
            File.Delete(temporary);
        }
    }
}
