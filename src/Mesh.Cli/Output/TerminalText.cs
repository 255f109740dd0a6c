using System.Globalization;
using System.Text;
using Mesh.Policy.Identities;

namespace Mesh.Cli.Output;

/// <summary>
/// Text from the mesh as it may reach a terminal: every character a reader cannot see or that changes how the text
/// around it is shown (bidi overrides and isolates, zero-width characters, terminal escape sequences, carriage returns,
/// …: what approver names may not contain) is written as its JSON escape, <c>\u202E</c>. A target or an argument cannot
/// then read differently on the screen from what it is. Tabs and line feeds stay as they are.
/// </summary>
internal static class TerminalText
{
    /// <summary><paramref name="text"/> with hidden characters escaped; the same string when it has none.</summary>
    public static string Reveal(string? text)
    {
        if (string.IsNullOrEmpty(text) || !HasHidden(text))
        {
            return text ?? string.Empty;
        }

        var builder = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var pair = text.AsSpan(i, 2);
                if (IsHidden(char.ConvertToUtf32(c, text[i + 1])))
                {
                    // As JSON writes a code point beyond the BMP: its surrogate pair, both escaped.
                    Escape(builder, c);
                    Escape(builder, text[i + 1]);
                }
                else
                {
                    builder.Append(pair);
                }

                i++;
            }
            else if (char.IsSurrogate(c) || IsHidden(c))
            {
                Escape(builder, c);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool HasHidden(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune == Rune.ReplacementChar || IsHidden(rune.Value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHidden(int codePoint) => codePoint is not ('\n' or '\t') && ApproverIdentity.IsRefused(codePoint);

    private static StringBuilder Escape(StringBuilder builder, char c) =>
        builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
}
