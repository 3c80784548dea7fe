"""The training form, built from `sphericity train`'s own arguments: one home for the defaults."""

from __future__ import annotations

import argparse

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

# Arguments the panel fills itself, never shown in the form.
HIDDEN = {"help", "project", "progress", "run_name", "init"}  # init: the panel's "Start from"


def train_actions() -> list[argparse.Action]:
    """The optional arguments of `sphericity train`, as argparse defines them."""
    from app.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    train = sub.choices["train"]
    return [a for a in train._actions if a.option_strings and a.dest not in HIDDEN]


class TrainForm(QWidget):
    """One editor per `train` option; `arguments()` gives the command line for the child."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editors: dict[str, tuple[argparse.Action, QWidget]] = {}
        layout = QFormLayout(self)
        for action in train_actions():
            editor = _editor_for(action)
            editor.setToolTip(action.help or "")
            label = action.option_strings[-1].lstrip("-").replace("-", " ")
            layout.addRow(label.capitalize(), editor)
            self._editors[action.dest] = (action, editor)

    def arguments(self) -> list[str]:
        """Only the options that differ from their defaults, so the child's defaults rule."""
        args: list[str] = []
        for action, editor in self._editors.values():
            value = _value_of(action, editor)
            if value == action.default or value in ("", None):
                continue
            flag = action.option_strings[-1]
            if isinstance(action, argparse._StoreTrueAction):
                args.append(flag)
            else:
                args += [flag, str(value)]
        return args

    def value(self, dest: str):
        action, editor = self._editors[dest]
        return _value_of(action, editor)

    def set_value(self, dest: str, value) -> None:
        editor = self._editors[dest][1]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.setValue(value)
        else:
            editor.setText("" if value is None else str(value))


def _editor_for(action: argparse.Action) -> QWidget:
    if isinstance(action, argparse._StoreTrueAction):
        box = QCheckBox()
        box.setChecked(bool(action.default))
        return box
    if action.choices:
        combo = QComboBox()
        combo.addItems([str(c) for c in action.choices])
        combo.setCurrentText(str(action.default))
        return combo
    if action.type is int:
        spin = QSpinBox()
        spin.setRange(0, 1_000_000)
        spin.setValue(int(action.default or 0))
        if action.default is None:
            spin.setSpecialValueText("not set")  # 0 stands for "leave it to the command"
        return spin
    if action.type is float:
        spin = QDoubleSpinBox()
        spin.setDecimals(6)
        spin.setRange(0.0, 1e6)
        spin.setSingleStep(abs(action.default or 0.1) / 10 or 0.1)
        spin.setValue(float(action.default or 0.0))
        return spin
    edit = QLineEdit("" if action.default is None else str(action.default))
    return edit


def _value_of(action: argparse.Action, editor: QWidget):
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QComboBox):
        text = editor.currentText()
        return type(action.default)(text) if action.default is not None else text
    if isinstance(editor, QSpinBox | QDoubleSpinBox):
        value = editor.value()
        return None if action.default is None and value == 0 else value
    text = editor.text().strip()
    return text or None
