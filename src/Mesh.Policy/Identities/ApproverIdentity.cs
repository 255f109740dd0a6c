using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Mesh.Policy.Identities;

/// <summary>
/// The one reading of a person's name that separation of duties, quorum, group membership and token uniqueness
/// compare: Unicode NFKC, lower-cased (invariant culture), NFKC again (lower-casing can un-normalise a few
/// characters), trimmed, and runs of white space collapsed to one space. NFKC comes from Mesh's own tables
/// (<see cref="CompatibilityNormalizer"/>): with invariant globalization the platform's normaliser does nothing. <c>alice</c>, <c>Alice</c>, <c>alice </c> and
/// fullwidth <c>ａｌｉｃｅ</c> are one identity.
/// </summary>
/// <remarks>
/// Names holding characters a reader cannot see or that reorder text (control, format, bidi, zero-width, variation
/// selectors, fillers, unassigned or private-use code points, line separators) are refused rather than stripped:
/// stripping would make <c>ali\u200Bce</c> silently equal <c>alice</c>, refusing makes the spelling trick visible.
/// Invariant lower-casing is simple case mapping, not full case folding (<c>ß</c> stays <c>ß</c>); look-alike letters
/// from other scripts (Cyrillic <c>а</c>) are distinct identities.
/// </remarks>
public static class ApproverIdentity
{
    /// <summary>Longest identity, in UTF-16 code units, after canonicalisation.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// Canonicalises <paramref name="name"/>. False, with <paramref name="problem"/> saying what is wrong (without
    /// echoing invisible characters), when it is empty, too long or holds a character that is refused.
    /// </summary>
    public static bool TryCanonicalize(
        string? name,
        [NotNullWhen(true)] out string? identity,
        [NotNullWhen(false)] out string? problem)
    {
        identity = null;
        if (name is null)
        {
            problem = "it is empty";
            return false;
        }

        // Checked before normalising (NFKC never turns a visible character into a refused one, but it does not
        // remove all refused ones either) and bounded first, so a hostile name costs no more than its length.
        if (name.Length > MaxLength * 4)
        {
            problem = $"it is longer than {MaxLength} characters";
            return false;
        }

        if (FirstRefused(name) is { } refused)
        {
            problem = $"it contains the invisible or control character U+{refused:X4}";
            return false;
        }

        // Lone surrogates were refused above, so the text is well-formed for the normaliser.
        var lower = CollapseWhiteSpace(CompatibilityNormalizer.Normalize(CompatibilityNormalizer.Normalize(name).ToLowerInvariant()));
        if (lower.Length == 0)
        {
            problem = "it is empty";
            return false;
        }

        if (lower.Length > MaxLength)
        {
            problem = $"it is longer than {MaxLength} characters";
            return false;
        }

        if (FirstRefused(lower) is { } afterNormalizing)
        {
            problem = $"it contains the invisible or control character U+{afterNormalizing:X4}";
            return false;
        }

        identity = lower;
        problem = null;
        return true;
    }

    /// <summary>The identity of <paramref name="name"/>, or null when it has none (see <see cref="TryCanonicalize"/>).</summary>
    public static string? Canonicalize(string? name) => TryCanonicalize(name, out var identity, out _) ? identity : null;

    /// <summary>True when both names canonicalise, and to the same identity.</summary>
    public static bool AreSame(string? left, string? right) =>
        Canonicalize(left) is { } a && Canonicalize(right) is { } b && string.Equals(a, b, StringComparison.Ordinal);

    /// <summary>
    /// True for a code point no identity may hold: anything a reader cannot see or that changes how text around it
    /// is shown. Also used to decide which characters the console and CLI show escaped.
    /// </summary>
    public static bool IsRefused(int codePoint)
    {
        switch (codePoint)
        {
            case 0x034F: // combining grapheme joiner
            case 0x115F or 0x1160 or 0x3164 or 0xFFA0: // Hangul fillers (letters that draw nothing)
            case 0x17B4 or 0x17B5: // Khmer inherent vowels (invisible)
            case >= 0x180B and <= 0x180F: // Mongolian variation selectors and vowel separator
            case >= 0xFE00 and <= 0xFE0F: // variation selectors
            case >= 0xE0100 and <= 0xE01EF: // variation selectors supplement
            case 0x2800: // braille blank
                return true;
        }

        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.Control // C0, C1, DEL
                or UnicodeCategory.Format // bidi controls, zero-width space/joiners, BOM, soft hyphen, tags
                or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator => true,
            _ => false,
        };
    }

    private static int? FirstRefused(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            // An unpaired surrogate is refused as such; a pair is judged as the code point it encodes.
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return text[i];
            }

            if (IsRefused(rune.Value))
            {
                return rune.Value;
            }

            i += used - 1;
        }

        return null;
    }

    // Trims and turns every run of white space (any Unicode space separator, tab excluded as a control) into one space.
    private static string CollapseWhiteSpace(string text)
    {
        var trimmed = text.AsSpan().Trim();
        var needsWork = trimmed.Length != text.Length;
        for (var i = 0; i < trimmed.Length && !needsWork; i++)
        {
            needsWork = char.IsWhiteSpace(trimmed[i]) && (trimmed[i] != ' ' || (i + 1 < trimmed.Length && char.IsWhiteSpace(trimmed[i + 1])));
        }

        if (!needsWork)
        {
            return text;
        }

        var builder = new StringBuilder(trimmed.Length);
        var inSpace = false;
        foreach (var c in trimmed)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!inSpace)
                {
                    builder.Append(' ');
                }

                inSpace = true;
            }
            else
            {
                builder.Append(c);
                inSpace = false;
            }
        }

        return builder.ToString();
    }
}
