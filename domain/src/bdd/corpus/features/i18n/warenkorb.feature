# language: de
@de
Funktionalität: Warenkorb
  Grundlage:
    Angenommen der Katalog ist geladen

  Szenario: Artikel hinzufügen
    Wenn ich "Apfel" in den Warenkorb lege
    Dann enthält der Warenkorb 1 Artikel

  Szenariogrundriss: Mengen
    Wenn ich <anzahl> "Apfel" in den Warenkorb lege
    Dann enthält der Warenkorb <anzahl> Artikel

    Beispiele:
      | anzahl |
      | 2      |
      | 5      |
