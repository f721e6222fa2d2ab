Given a step outside of any feature
When nothing holds it
