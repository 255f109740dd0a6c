using System.Text.RegularExpressions;

namespace Mesh.Policy.Compilation;

/// <summary>
/// Values that look like credentials whatever field they sit in: bearer authorization values (and basic ones with base64 padding), OpenAI-style
/// <c>sk-…</c> keys, AWS access key ids (<c>AKIA…</c>, <c>ASIA…</c>), JSON Web Tokens, PEM private key blocks, GitHub,
/// Slack and Google API tokens, and Mesh's own agent and API tokens (<c>mesh_at_…</c>, <c>mesh_ot_…</c>). A value is
/// searched anywhere (a header line or a URL that carries a token counts).
/// </summary>
/// <remarks>The patterns run on a non-backtracking engine: the time they take is linear in the value's length.</remarks>
public static class SecretValues
{
    private static readonly Regex Pattern = new(
        string.Join('|',
            @"\b([Bb]earer|BEARER) +[A-Za-z0-9._~+/=-]{8,}",
            @"\b([Bb]asic|BASIC) +[A-Za-z0-9+/]{6,}=",
            @"\b(sk|rk|pk)[-_](live_|test_|proj-|ant-)?[A-Za-z0-9_-]{16,}",
            @"\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b",
            @"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
            @"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----",
            @"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}",
            @"\bgithub_pat_[A-Za-z0-9_]{20,}",
            @"\bxox[abprs]-[A-Za-z0-9-]{10,}",
            @"\bAIza[A-Za-z0-9_-]{30,}",
            @"\bmesh_(at|ot)_[A-Za-z0-9_.-]{8,}"),
        RegexOptions.NonBacktracking | RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    /// <summary>Longest value searched; a longer one is searched in its first this-many characters.</summary>
    public const int MaxScannedLength = 64 * 1024;

    /// <summary>True when <paramref name="value"/> holds something shaped like a credential.</summary>
    public static bool LooksSecret(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length < 12)
        {
            return false;
        }

        try
        {
            return Pattern.IsMatch(value.Length > MaxScannedLength ? value.AsSpan(0, MaxScannedLength) : value.AsSpan());
        }
        catch (RegexMatchTimeoutException)
        {
            // Cannot happen on the linear engine; if it did, keeping the value hidden is the safe answer.
            return true;
        }
    }
}
