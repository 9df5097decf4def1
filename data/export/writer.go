// Package export writes reports as CSV or XLSX, one row at a time, so that a 500,000-row export never holds
// its rows in memory: CSV goes straight to the output, XLSX through excelize's StreamWriter.
package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Format is an export file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Formats lists the formats in the order menus show them.
var Formats = []Format{CSV, XLSX}

// ParseFormat reads "csv" or "xlsx" in any case.
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(strings.TrimSpace(s))) {
	case CSV:
		return CSV, nil
	case XLSX:
		return XLSX, nil
	}
	return "", fmt.Errorf("export: format %q: use csv or xlsx", s)
}

// Ext is the file name extension of f, with its dot.
func (f Format) Ext() string { return "." + string(f) }

// Column is one column of a report.
type Column struct {
	Title string
	Width float64 // in characters, for XLSX; 0 leaves the default
}

// Writer takes a report's rows. Cells are string, int, int64, uint, float64, bool or nil (an empty cell).
// Close finishes the file; nothing is complete before it.
type Writer interface {
	Row(cells ...any) error
	Close() error
}

// New starts a report in format f on w, with a header row of the columns' titles. sheet names the XLSX sheet.
func New(w io.Writer, f Format, sheet string, cols []Column) (Writer, error) {
	switch f {
	case CSV:
		return newCSV(w, cols)
	case XLSX:
		return newXLSX(w, sheet, cols)
	}
	return nil, fmt.Errorf("export: format %q: use csv or xlsx", f)
}

// csvWriter writes RFC 4180 CSV in UTF-8.
type csvWriter struct {
	buf    *bufio.Writer
	csv    *csv.Writer
	record []string
}

func newCSV(w io.Writer, cols []Column) (*csvWriter, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	c := &csvWriter{buf: buf, csv: csv.NewWriter(buf), record: make([]string, 0, len(cols))}
	titles := make([]any, len(cols))
	for i, col := range cols {
		titles[i] = col.Title
	}
	if err := c.Row(titles...); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *csvWriter) Row(cells ...any) error {
	c.record = c.record[:0]
	for _, v := range cells {
		c.record = append(c.record, csvCell(v))
	}
	if err := c.csv.Write(c.record); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.csv.Flush()
	if err := c.csv.Error(); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	if err := c.buf.Flush(); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	return nil
}

// csvCell formats one value. Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a
// leading apostrophe: names come from devices and must never run.
func csvCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint:
		return strconv.FormatUint(uint64(v), 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// xlsxWriter streams one sheet through excelize's StreamWriter; rows past the first few MB go to a
// temporary file that excelize removes on Close.
type xlsxWriter struct {
	out    io.Writer
	file   *excelize.File
	stream *excelize.StreamWriter
	row    int
	cell   []any
}

// maxXLSXRows is Excel's row limit; the header takes one.
const maxXLSXRows = excelize.TotalRows

func newXLSX(w io.Writer, sheet string, cols []Column) (x *xlsxWriter, err error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return nil, fmt.Errorf("export: xlsx sheet %q: %w", sheet, err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	for i, col := range cols {
		if col.Width > 0 {
			if err := sw.SetColWidth(i+1, i+1, col.Width); err != nil {
				return nil, fmt.Errorf("export: xlsx: %w", err)
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	header := make([]any, len(cols))
	for i, col := range cols {
		header[i] = excelize.Cell{StyleID: bold, Value: col.Title}
	}
	x = &xlsxWriter{out: w, file: f, stream: sw, cell: make([]any, 0, len(cols))}
	if err := x.write(header); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) Row(cells ...any) error {
	x.cell = x.cell[:0]
	for _, v := range cells {
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339)
		}
		x.cell = append(x.cell, v)
	}
	return x.write(x.cell)
}

func (x *xlsxWriter) write(cells []any) error {
	if x.row >= maxXLSXRows {
		return fmt.Errorf("export: xlsx holds at most %d rows; narrow the filter or export CSV", maxXLSXRows-1)
	}
	x.row++
	ref, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	if err := x.stream.SetRow(ref, cells); err != nil {
		return fmt.Errorf("export: xlsx row %d: %w", x.row, err)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	err := x.stream.Flush()
	if err == nil {
		err = x.file.Write(x.out)
	}
	if cerr := x.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return nil
}
