using System.Globalization;
using System.Text;

namespace Mesh.Policy.Identities;

/// <summary>
/// Unicode NFKC without the platform's ICU. Mesh runs with invariant globalization, where
/// <see cref="string.Normalize(NormalizationForm)"/> leaves non-ASCII text as it is, so fullwidth <c>ａｌｉｃｅ</c> would
/// stay distinct from <c>alice</c>. The tables (nfkc.txt, generated from the Unicode Character Database) hold every
/// compatibility decomposition, canonical combining class and primary composite; Hangul is done by its formula.
/// </summary>
internal static class CompatibilityNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Load);

    /// <summary>The NFKC form of <paramref name="text"/>, which must be well-formed UTF-16 (no lone surrogates).</summary>
    public static string Normalize(string text)
    {
        var ascii = true;
        foreach (var c in text)
        {
            ascii &= c < 0x80;
        }

        if (ascii)
        {
            return text;
        }

        var tables = Data.Value;
        var decomposed = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, tables, decomposed);
        }

        ReorderMarks(decomposed, tables);
        Compose(decomposed, tables);
        var builder = new StringBuilder(decomposed.Count);
        foreach (var cp in decomposed)
        {
            builder.Append(new Rune(cp).ToString());
        }

        return builder.ToString();
    }

    private static void Decompose(int cp, Tables tables, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + (s / NCount));
            output.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                output.Add(TBase + (s % TCount));
            }

            return;
        }

        if (tables.Decompositions.TryGetValue(cp, out var mapping))
        {
            output.AddRange(mapping);
        }
        else
        {
            output.Add(cp);
        }
    }

    // Canonical ordering: within each run of non-starters, a stable sort by combining class.
    private static void ReorderMarks(List<int> cps, Tables tables)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var cc = Ccc(cps[i], tables);
            if (cc == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0 && Ccc(cps[j - 1], tables) > cc)
            {
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
                j--;
            }
        }
    }

    // The canonical composition algorithm of UAX #15: a mark joins the last starter unless a mark of the same or a
    // higher class stands between them (blocked).
    private static void Compose(List<int> cps, Tables tables)
    {
        if (cps.Count == 0)
        {
            return;
        }

        var starter = 0;
        var lastClass = Ccc(cps[0], tables) == 0 ? 0 : 256;
        var write = 1;
        for (var read = 1; read < cps.Count; read++)
        {
            var cp = cps[read];
            var cc = Ccc(cp, tables);
            if ((lastClass < cc || lastClass == 0) && TryCompose(cps[starter], cp, tables, out var composite))
            {
                cps[starter] = composite;
                continue;
            }

            if (cc == 0)
            {
                starter = write;
            }

            lastClass = cc;
            cps[write++] = cp;
        }

        cps.RemoveRange(write, cps.Count - write);
    }

    private static bool TryCompose(int first, int second, Tables tables, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
            return true;
        }

        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }

        return tables.Composites.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static int Ccc(int cp, Tables tables) => tables.CombiningClasses.TryGetValue(cp, out var cc) ? cc : 0;

    private static Tables Load()
    {
        using var stream = typeof(CompatibilityNormalizer).Assembly.GetManifestResourceStream("Mesh.Policy.Identities.nfkc.txt")
            ?? throw new InvalidOperationException("The NFKC tables are missing from Mesh.Policy.");
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var tables = new Tables();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split(' ');
            var cp = int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            switch (parts[0])
            {
                case "d":
                    tables.Decompositions[cp] = [.. parts.Skip(2).Select(p => int.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
                    break;
                case "c":
                    tables.CombiningClasses[cp] = int.Parse(parts[2], CultureInfo.InvariantCulture);
                    break;
                case "p":
                    var second = int.Parse(parts[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    tables.Composites[((long)cp << 21) | (uint)second] = int.Parse(parts[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    break;
            }
        }

        return tables;
    }

    private sealed class Tables
    {
        public Dictionary<int, int[]> Decompositions { get; } = [];

        public Dictionary<int, int> CombiningClasses { get; } = [];

        public Dictionary<long, int> Composites { get; } = [];
    }
}
