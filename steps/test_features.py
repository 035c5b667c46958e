"""Binds every scenario under features/ as a test."""

from pytest_bdd import scenarios

scenarios(".")
