"""Local OpenAI-compatible servers and their default base URLs (data only, cheap to import)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompatibleServer:
    """A local OpenAI-compatible server: a provider name with its default base URL."""

    name: str
    default_base_url: str
    description: str

    @property
    def env_prefix(self) -> str:
        return self.name.upper()


COMPATIBLE_SERVERS = (
    CompatibleServer("ollama", "http://localhost:11434/v1", "Ollama (local models)"),
    CompatibleServer("vllm", "http://localhost:8000/v1", "vLLM OpenAI-compatible server"),
    CompatibleServer("lmstudio", "http://localhost:1234/v1", "LM Studio local server"),
    CompatibleServer("llamacpp", "http://localhost:8080/v1", "llama.cpp server"),
)
