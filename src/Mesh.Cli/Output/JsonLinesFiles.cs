using System.Globalization;
using System.Text;

namespace Mesh.Cli.Output;

/// <summary>
/// Writes JSON Lines into numbered files (<c>audit-000001.jsonl</c>, <c>audit-000002.jsonl</c>, …), starting the next
/// file before a line would take the current one past the rotation size. A file only ever holds whole lines: it is
/// written under a temporary name (<c>.partial</c>), lines reach it whole, a failed write is cut back to the last whole
/// line, and it gets its final name once it is complete and flushed to disk. Existing files are never overwritten.
/// </summary>
internal sealed class JsonLinesFiles : IDisposable
{
    private const string PartialSuffix = ".partial";
    private const int FlushBytes = 1 << 16;

    private readonly string _directory;
    private readonly string _stem;
    private readonly string _extension;
    private readonly long _rotateBytes;
    private readonly MemoryStream _pending = new();
    private FileStream? _file;
    private string? _path;
    private long _fileLength;
    private long _pendingCursor;
    private int _number;

    private JsonLinesFiles(string directory, string stem, string extension, long rotateBytes)
    {
        _directory = directory;
        _stem = stem;
        _extension = extension;
        _rotateBytes = rotateBytes;
    }

    /// <summary>The files completed so far (full paths), in order.</summary>
    public List<string> Completed { get; } = [];

    /// <summary>The file being written, if any.</summary>
    public string? Current => _path;

    /// <summary>The cursor of the last line that reached a file (what to resume after).</summary>
    public long WrittenCursor { get; private set; }

    /// <summary>
    /// Where to write: a folder (existing, ending in '/', or a name without extension) gets <c>audit-NNNNNN.jsonl</c>;
    /// a file name such as <c>out/acme.jsonl</c> gets <c>out/acme-NNNNNN.jsonl</c>.
    /// </summary>
    public static JsonLinesFiles Create(string output, long rotateBytes)
    {
        var full = Path.GetFullPath(output);
        var folder = Directory.Exists(full) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar) || Path.GetExtension(full).Length == 0;
        var directory = folder ? full : Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ExportFileException(directory, ex.Message, ex);
        }

        return folder
            ? new JsonLinesFiles(directory, "audit", ".jsonl", rotateBytes)
            : new JsonLinesFiles(directory, Path.GetFileNameWithoutExtension(full), Path.GetExtension(full), rotateBytes);
    }

    /// <summary>Parses a size: a number of bytes, optionally with KB, MB or GB (powers of 1024; KiB, MiB, GiB too).</summary>
    public static bool TryParseSize(string? text, out long bytes)
    {
        bytes = 0;
        var trimmed = text?.Trim() ?? string.Empty;
        var end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
        {
            end++;
        }

        if (end == 0 || !double.TryParse(trimmed.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double? multiplier = trimmed[end..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            _ => null,
        };
        if (multiplier is not { } m || amount * m is < 1 or > (double)(1L << 50))
        {
            return false;
        }

        bytes = (long)(amount * m);
        return true;
    }

    /// <summary>Adds one line (without its newline) whose record has <paramref name="cursor"/>.</summary>
    public void Write(string line, long cursor)
    {
        var size = Encoding.UTF8.GetByteCount(line) + 1;
        var length = _fileLength + _pending.Length;
        if (_file is not null && length > 0 && length + size > _rotateBytes)
        {
            Finish();
        }

        if (_file is null)
        {
            Open();
        }

        var start = _pending.Length;
        _pending.SetLength(start + size);
        var written = Encoding.UTF8.GetBytes(line, _pending.GetBuffer().AsSpan((int)start, size - 1));
        _pending.GetBuffer()[start + written] = (byte)'\n';
        _pendingCursor = cursor;
        if (_pending.Length >= FlushBytes)
        {
            Flush();
        }
    }

    /// <summary>Completes the current file: writes what is pending, flushes it to disk, gives it its final name.</summary>
    public void Finish()
    {
        if (_file is null || _path is null)
        {
            return;
        }

        Flush();
        var file = _file;
        var path = _path;
        _file = null;
        _path = null;
        try
        {
            file.Flush(flushToDisk: true);
            file.Dispose();
            File.Move(path + PartialSuffix, path, overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw new ExportFileException(path, ex.Message, ex);
        }

        Completed.Add(path);
    }

    /// <summary>Leaves the current file under its temporary name if it was not finished (a failed or cancelled export).</summary>
    public void Dispose()
    {
        _file?.Dispose();
        _pending.Dispose();
    }

    private void Open()
    {
        _number++;
        _path = Path.Combine(_directory, $"{_stem}-{_number.ToString("D6", CultureInfo.InvariantCulture)}{_extension}");
        if (File.Exists(_path))
        {
            var path = _path;
            _path = null;
            throw new ExportFileException(path, "the file already exists (an earlier export?); choose another --out or move it away");
        }

        try
        {
            // No stream buffer: this class hands the file whole lines only, so what reaches the disk is always whole lines.
            _file = new FileStream(_path + PartialSuffix, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var path = _path;
            _path = null;
            throw new ExportFileException(path, ex.Message, ex);
        }

        _fileLength = 0;
    }

    private void Flush()
    {
        if (_file is null || _pending.Length == 0)
        {
            return;
        }

        try
        {
            _file.Write(_pending.GetBuffer(), 0, (int)_pending.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var path = _path!;
            var file = _file;
            _file = null;
            _path = null;
            _pending.SetLength(0);
            try
            {
                // Cut a half-written batch back to the last whole line; then the file is complete as far as it goes.
                file.SetLength(_fileLength);
                file.Dispose();
                File.Move(path + PartialSuffix, path, overwrite: false);
                Completed.Add(path);
            }
            catch (IOException)
            {
                // Kept under its temporary name: it may end in part of a line.
                file.Dispose();
            }

            throw new ExportFileException(path, ex.Message, ex);
        }

        _fileLength += _pending.Length;
        _pending.SetLength(0);
        WrittenCursor = _pendingCursor;
    }
}

/// <summary>An export file could not be written; names the file.</summary>
internal sealed class ExportFileException : Exception
{
    public ExportFileException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner)
    {
        Path = path;
    }

    public ExportFileException()
    {
        Path = string.Empty;
    }

    public ExportFileException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    public ExportFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    public string Path { get; }
}
