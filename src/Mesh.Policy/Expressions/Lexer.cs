using System.Globalization;

namespace Mesh.Policy.Expressions;

internal enum TokenKind
{
    End,
    Identifier,
    String,
    Number,
    Duration,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    Not,
    True,
    False,
    In,
}

internal readonly record struct Token(TokenKind Kind, int Position, string Text, double Number = 0);

/// <summary>Turns a condition into tokens; errors carry the offset of the offending character.</summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string source)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            switch (c)
            {
                case '(': tokens.Add(new(TokenKind.LeftParen, i++, "(")); continue;
                case ')': tokens.Add(new(TokenKind.RightParen, i++, ")")); continue;
                case '[': tokens.Add(new(TokenKind.LeftBracket, i++, "[")); continue;
                case ']': tokens.Add(new(TokenKind.RightBracket, i++, "]")); continue;
                case ',': tokens.Add(new(TokenKind.Comma, i++, ",")); continue;
                case '.' when i + 1 >= source.Length || !char.IsAsciiDigit(source[i + 1]): tokens.Add(new(TokenKind.Dot, i++, ".")); continue;
            }

            if (TryOperator(source, ref i, out var op))
            {
                tokens.Add(op);
                continue;
            }

            if (c is '"' or '\'')
            {
                tokens.Add(ReadString(source, ref i));
                continue;
            }

            if (char.IsAsciiDigit(c) || c == '.')
            {
                tokens.Add(ReadNumber(source, ref i));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_'))
                {
                    i++;
                }

                var word = source[start..i];
                tokens.Add(word switch
                {
                    "true" => new(TokenKind.True, start, word),
                    "false" => new(TokenKind.False, start, word),
                    "in" => new(TokenKind.In, start, word),
                    _ => new(TokenKind.Identifier, start, word),
                });
                continue;
            }

            throw new ExpressionException(i, $"unexpected character '{c}'");
        }

        tokens.Add(new(TokenKind.End, source.Length, string.Empty));
        return tokens;
    }

    private static bool TryOperator(string s, ref int i, out Token token)
    {
        var two = i + 1 < s.Length ? s.Substring(i, 2) : string.Empty;
        (TokenKind Kind, int Length)? op = two switch
        {
            "==" => (TokenKind.Equal, 2),
            "!=" => (TokenKind.NotEqual, 2),
            "<=" => (TokenKind.LessOrEqual, 2),
            ">=" => (TokenKind.GreaterOrEqual, 2),
            "&&" => (TokenKind.And, 2),
            "||" => (TokenKind.Or, 2),
            _ => s[i] switch
            {
                '<' => (TokenKind.Less, 1),
                '>' => (TokenKind.Greater, 1),
                '!' => (TokenKind.Not, 1),
                '=' => throw new ExpressionException(i, "use '==' to compare"),
                '&' => throw new ExpressionException(i, "use '&&' for 'and'"),
                '|' => throw new ExpressionException(i, "use '||' for 'or'"),
                _ => null,
            },
        };

        if (op is not { } found)
        {
            token = default;
            return false;
        }

        token = new Token(found.Kind, i, s.Substring(i, found.Length));
        i += found.Length;
        return true;
    }

    private static Token ReadString(string s, ref int i)
    {
        var quote = s[i];
        var start = i++;
        var builder = new System.Text.StringBuilder();
        while (i < s.Length && s[i] != quote)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            builder.Append(s[i++]);
        }

        if (i >= s.Length)
        {
            throw new ExpressionException(start, "this string is never closed");
        }

        i++;
        return new Token(TokenKind.String, start, builder.ToString());
    }

    private static Token ReadNumber(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        var unitStart = i;
        while (i < s.Length && char.IsAsciiLetter(s[i]))
        {
            i++;
        }

        var text = s[start..i];
        if (unitStart < i)
        {
            return Compilation.Durations.TryParse(text, out var duration)
                ? new Token(TokenKind.Duration, start, text, duration.Ticks)
                : throw new ExpressionException(start, $"'{text}' is not a duration: use a number with ms, s, m, h or d");
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            ? new Token(TokenKind.Number, start, text, number)
            : throw new ExpressionException(start, $"'{text}' is not a number");
    }
}

/// <summary>A problem in a condition, at an offset within it.</summary>
internal sealed class ExpressionException(int position, string message) : Exception(message)
{
    public int Position { get; } = position;
}
