"""Tests of bot/web and the request edge: signatures, caps, shapes, OAuth, attacks."""
