package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// ShowFatal shows why CamsDesk cannot start, in plain words, and runs until the window is closed.
func ShowFatal(fa fyne.App, title string, err error) {
	w := fa.NewWindow("CamsDesk")
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	msg := widget.NewLabel(err.Error())
	msg.Wrapping = fyne.TextWrapWord
	quit := widget.NewButton("Quit", fa.Quit)
	quit.Importance = widget.HighImportance
	w.SetContent(container.NewPadded(container.NewBorder(head, container.NewHBox(layout.NewSpacer(), quit), nil, nil, msg)))
	w.Resize(fyne.NewSize(560, 240))
	w.ShowAndRun()
}
