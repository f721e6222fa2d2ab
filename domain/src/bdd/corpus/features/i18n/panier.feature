# language: fr
Fonctionnalité: Panier
  Scénario: Vider le panier
    Soit un panier avec 3 articles
    Quand je vide le panier
    Alors le panier est vide
