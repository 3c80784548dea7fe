"""The training options' one schema: TrainConfig's field metadata (no torch, no Qt needed)."""

from dataclasses import fields

import pytest

from model.config import NO_ROTATION, TrainConfig, config_from_options, train_options


def test_every_option_is_a_config_field_with_help_and_a_valid_default():
    names = {f.name for f in fields(TrainConfig)}
    options = train_options()
    assert options[-1] == NO_ROTATION
    for option in options[:-1]:
        assert option.dest in names and option.help
        assert option.default == getattr(TrainConfig(), option.dest)
        assert option.check(option.default) == option.default  # defaults lie inside the range
    assert "run_name" not in {o.dest for o in options}  # no hidden option: every one is shown


def test_defaults_give_the_default_config():
    assert config_from_options({}) == TrainConfig()
    defaults = {o.dest: o.default for o in train_options()}
    assert config_from_options(defaults) == TrainConfig()


def test_values_are_checked_against_their_ranges():
    config = config_from_options({"epochs": "3", "lr": 0.01, "threads": None})
    assert (config.epochs, config.lr, config.threads) == (3, 0.01, None)
    with pytest.raises(ValueError, match="--freeze must be at most 5"):
        config_from_options({"freeze": 6})
    with pytest.raises(ValueError, match="--batch must be at least 1"):
        config_from_options({"batch": 0})
    with pytest.raises(ValueError, match="on or off"):
        config_from_options({"include_submitted": "False"})
    with pytest.raises(ValueError, match="not a training option: weight_decay"):
        config_from_options({"weight_decay": 0.1})  # a field no user option shows


def test_no_rotation_turns_off_both_rotation_ranges_only():
    config = config_from_options({"no_rotation": True})
    assert config.augment.rotation_deg == 0.0 and config.augment.upright_jitter_deg == 0.0
    assert config.augment.flip == TrainConfig().augment.flip
    assert TrainConfig().augment.rotation_deg == 180.0  # the defaults are untouched
