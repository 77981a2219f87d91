"""The AI assistant: provider clients (OpenRouter, Ollama), user configuration, generation."""

from __future__ import annotations

from aristobot.strategies.ai.assistant import Suggestion, extract_code, generate_strategy
from aristobot.strategies.ai.clients import AIClient, OllamaClient, OpenRouterClient
from aristobot.strategies.ai.config import AIConfig, get_ai_config, make_client, set_ai_config

__all__ = [
    "AIClient",
    "AIConfig",
    "OllamaClient",
    "OpenRouterClient",
    "Suggestion",
    "extract_code",
    "generate_strategy",
    "get_ai_config",
    "make_client",
    "set_ai_config",
]
