"""The training form, built from the one schema of training options (model.config's TrainConfig).

`sphericity train` builds its options from the same schema, so defaults, help texts and ranges
have one home.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from model.config import TrainOption, train_options

NOT_SET = "not set"
# What a user changes from run to run; the rest (input sizes, freezing, threads...) waits behind
# "Advanced settings", so the dock keeps room for the loss curves on a 900-px-high screen.
EVERYDAY = ("epochs", "batch", "lr", "seed", "device", "adapt", "include_submitted")


class TrainForm(QWidget):
    """One editor per training option; `arguments()` gives the command line for the child."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editors: dict[str, tuple[TrainOption, QWidget]] = {}
        everyday, self.advanced = QFormLayout(), QWidget()
        advanced = QFormLayout(self.advanced)
        advanced.setContentsMargins(0, 0, 0, 0)
        for option in train_options():
            editor = _editor_for(option)
            editor.setToolTip(option.help)
            (everyday if option.dest in EVERYDAY else advanced).addRow(option.title, editor)
            self._editors[option.dest] = (option, editor)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.toggled.connect(self.show_advanced)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(everyday)
        layout.addWidget(self.advanced_toggle)
        layout.addWidget(self.advanced)
        self.show_advanced(False)

    def show_advanced(self, shown: bool) -> None:
        """Show or hide the advanced settings (their values count either way)."""
        self.advanced.setVisible(shown)
        self.advanced_toggle.setChecked(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.advanced_toggle.setArrowType(arrow)

    def options(self) -> list[TrainOption]:
        """The options the form shows, in order."""
        return [option for option, _editor in self._editors.values()]

    def arguments(self) -> list[str]:
        """Only the options that differ from their defaults, so the child's defaults rule."""
        args: list[str] = []
        for option, editor in self._editors.values():
            value = _value_of(option, editor)
            if value == option.default:
                continue
            if option.kind is bool:
                args.append(option.flag)
            else:
                args += [option.flag, str(value)]
        return args

    def value(self, dest: str) -> Any:
        option, editor = self._editors[dest]
        return _value_of(option, editor)

    def set_value(self, dest: str, value: Any) -> None:
        option, editor = self._editors[dest]
        value = option.check(value)
        if isinstance(editor, QCheckBox):
            editor.setChecked(value)
        elif isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.setValue(editor.minimum() if value is None else value)
        else:
            editor.setText("" if value is None else str(value))


def _editor_for(option: TrainOption) -> QWidget:
    if option.kind is bool:
        box = QCheckBox()
        box.setChecked(bool(option.default))
        return box
    if option.kind is int and option.low is not None:
        spin = QSpinBox()
        # An optional number gets one step below its range that reads "not set" (None).
        low = int(option.low) - (1 if option.optional else 0)
        spin.setRange(low, int(option.high))
        if option.optional:
            spin.setSpecialValueText(NOT_SET)
        spin.setValue(low if option.default is None else int(option.default))
        return spin
    if option.kind is float and option.low is not None:
        spin = _CompactSpinBox() if option.low < 0.01 else QDoubleSpinBox()
        spin.setDecimals(6 if option.low < 0.01 else 1)  # a learning rate needs its digits
        spin.setRange(float(option.low), float(option.high))
        spin.setSingleStep(abs(option.default or 0.1) / 10 or 0.1)
        spin.setValue(float(option.default))
        return spin
    edit = QLineEdit("" if option.default is None else str(option.default))
    if option.optional:
        edit.setPlaceholderText(NOT_SET)
    return edit


def _value_of(option: TrainOption, editor: QWidget) -> Any:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox | QDoubleSpinBox):
        value = editor.value()
        return None if option.optional and value == editor.minimum() else value
    text = editor.text().strip()
    return text or (None if option.optional else option.default)


class _CompactSpinBox(QDoubleSpinBox):
    """A small number shown as typed: 0.001 or 3e-05, not 0.001000 (it keeps six decimals)."""

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        """Plain or scientific notation ("0.0003", "3e-4"); a half-typed number is Intermediate."""
        try:
            value = float(text)
        except ValueError:
            partial = text == "" or all(c in "0123456789.eE+-" for c in text)
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, pos
        inside = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if inside else QValidator.State.Intermediate), text, pos
