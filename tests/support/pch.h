// Precompiled header shared by every test executable.
#pragma once
#include <torch/torch.h>
#include <QtTest/QtTest>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>
