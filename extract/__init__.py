"""Reading documents and finding entities and relations in them with spaCy.

``extract`` produces ``kg``'s model (``kg.model.Extraction``); it never writes the store.
"""
