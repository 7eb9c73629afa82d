"""threat-kg core: the ontology, the model of an extraction, RDF building, SHACL and the store.

The core imports neither ``extract`` nor ``api``; everything that feeds the graph
(the spaCy extractor, SPARQL updates, later imports) produces this package's model.
"""

__version__ = "0.1.0"
