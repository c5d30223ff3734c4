"""Rules as code: pure Python, no Django, nothing else of minzheng."""
