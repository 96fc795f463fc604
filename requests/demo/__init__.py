"""A believable demo place: Calderdale, three response cells, their partners, volunteers and a week of work.

The data are Python constants (``places``, ``vocabulary``, ``organisations``, ``people``, ``stories``);
``builders`` turns them into rows, and ``requests/management/commands/seed_demo.py`` runs the builders.
Every postcode is a real one from Ordnance Survey Code-Point Open; every person, phone number and email
address is invented (Ofcom's drama ranges, example.org).
"""
